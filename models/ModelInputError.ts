import { BaseError } from "../errors/BaseError.js";

/** Bad input to a model: names the offending field (a JSON path such as `$.weather[3].rhMin`). */
export class ModelInputError extends BaseError {
  override name = "ModelInputError";
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field} ${problem}`, { code: "MODEL_INPUT_INVALID", details: { field } });
    this.field = field;
  }
}

import { BaseError } from "../errors/BaseError.js";
import type { ModelDefinition } from "./defineModel.js";
import { faultWarningModel } from "./fault/faultWarningModel.js";
import { marketForecastModel } from "./market/marketForecastModel.js";
import { plantingModel } from "./planting/plantingModel.js";

/** Every derivation model, by id; derivative units record a model id and its version hash. */
export const models: readonly ModelDefinition[] = [
  plantingModel,
  marketForecastModel,
  faultWarningModel,
] as ModelDefinition[];

export class UnknownModelError extends BaseError {
  override name = "UnknownModelError";
  constructor(id: string) {
    super(`no model "${id}"; known models: ${models.map((m) => m.id).join(", ")}`, {
      code: "MODEL_NOT_FOUND",
      details: { id },
    });
  }
}

export function getModel(id: string): ModelDefinition {
  const model = models.find((m) => m.id === id);
  if (model === undefined) throw new UnknownModelError(id);
  return model;
}

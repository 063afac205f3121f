import { ModelInputError } from "../../models/ModelInputError.js";

/** Runs `fn` and returns the field its ModelInputError names; any other outcome fails the test. */
export function modelInputField(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ModelInputError) return error.field;
    throw error;
  }
  throw new Error("expected a ModelInputError, but the call succeeded");
}

import { canonicalHash } from "./canonicalJson.js";

/** A JSON Schema (draft 2020-12) object, kept loose on purpose: it is data printed for users, not a type. */
export type JsonSchema = Record<string, unknown>;

export type ModelDefinitionParameters<Input, Output> = {
  /** Stable identifier, kebab-case, e.g. `planting-optimisation`. */
  id: string;
  title: string;
  /** Bump when the code's behaviour changes; it feeds the version hash. */
  codeVersion: string;
  /** Fixed parameters of the model (tables, constants, hyper-parameters); they feed the version hash. */
  parameters: Record<string, unknown>;
  /** JSON Schema of the input, with units in each property's description. */
  inputSchema: JsonSchema;
  /** Validates `input` (throwing ModelInputError naming the field) and computes the output deterministically. */
  run: (input: unknown) => Output;
  /** Only for typing: the validated input type. */
  __input?: Input;
};

export type ModelDefinition<Input = unknown, Output = unknown> = ModelDefinitionParameters<Input, Output> & {
  /** SHA-256 of canonical JSON of { id, codeVersion, parameters }. */
  versionHash: `0x${string}`;
};

export type ModelRunReturnType<Output> = {
  modelId: string;
  versionHash: `0x${string}`;
  output: Output;
  /** SHA-256 of canonical JSON of { modelId, versionHash, output }. */
  outputHash: `0x${string}`;
};

export function defineModel<Input, Output>(
  definition: ModelDefinitionParameters<Input, Output>,
): ModelDefinition<Input, Output> {
  const versionHash = canonicalHash({
    id: definition.id,
    codeVersion: definition.codeVersion,
    parameters: definition.parameters,
  });
  return { ...definition, versionHash };
}

/** Runs a model and wraps its output with the hashes that bind it to the model version. */
export function runModel<Input, Output>(
  model: ModelDefinition<Input, Output>,
  input: unknown,
): ModelRunReturnType<Output> {
  const output = model.run(input);
  const outputHash = canonicalHash({ modelId: model.id, versionHash: model.versionHash, output });
  return { modelId: model.id, versionHash: model.versionHash, output, outputHash };
}

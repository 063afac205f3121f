import { runModel } from "../models/defineModel.js";
import { ModelInputError } from "../models/ModelInputError.js";
import { getModel, models, UnknownModelError } from "../models/registry.js";

const USAGE = "usage: caldera model list [--json] | schema <id> | run <id> < input.json";

/**
 * `caldera model …`: analysts and partners run derivation models on JSON without writing code.
 * Exit codes: 0 ok, 1 bad input (the message names the field), 2 usage or unknown model.
 */
export async function modelCommand(args: string[]): Promise<number> {
  const [verb, id] = args;
  try {
    if (verb === "list") {
      if (args.includes("--json")) {
        print(
          models.map((m) => ({
            id: m.id,
            title: m.title,
            codeVersion: m.codeVersion,
            versionHash: m.versionHash,
          })),
        );
        return 0;
      }
      const width = Math.max(...models.map((m) => m.id.length));
      for (const m of models) process.stdout.write(`${m.id.padEnd(width)}  ${m.versionHash}  ${m.title}\n`);
      return 0;
    }
    if (verb === "schema" && id !== undefined) {
      print(getModel(id).inputSchema);
      return 0;
    }
    if (verb === "run" && id !== undefined) {
      const model = getModel(id);
      const text = await readStdin();
      let input: unknown;
      try {
        input = JSON.parse(text);
      } catch (error) {
        throw new ModelInputError("$", `is not valid JSON: ${(error as Error).message}`);
      }
      const { modelId, versionHash, outputHash, output } = runModel(model, input);
      print({ modelId, versionHash, outputHash, output });
      return 0;
    }
    process.stderr.write(`${USAGE}\n`);
    return 2;
  } catch (error) {
    if (error instanceof UnknownModelError) {
      process.stderr.write(`caldera model: ${error.message}\n`);
      return 2;
    }
    if (error instanceof ModelInputError) {
      process.stderr.write(`caldera model: invalid input: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function print(value: unknown) {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

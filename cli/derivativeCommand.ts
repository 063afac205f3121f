import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type PublishedDerivative, verifyDerivative } from "../usecases/verifyDerivative.js";
import { gatewayRequest } from "./gatewayRequest.js";

const USAGE = "usage: caldera derivative verify <id> [--json]";

export const DERIVATIVE_QUERY = /* GraphQL */ `
  query Derivative($id: ID!) {
    derivative(id: $id) {
      id kind outputHash featureCommitment parameters features
      model { id versionHash }
      cores { id datasetCommitment }
      publicInputs { certificateId featureCommitment coreCommitment channelMask bindingHash proof }
    }
  }
`;

/**
 * `caldera derivative verify <id>`: fetches the derivative from the running stack's gateway, re-runs its model on
 * the published features and parameters, and checks the output hash, the feature commitments and every binding
 * proof. Exit 0 when every check holds, 1 otherwise, 2 on usage.
 */
export async function derivativeCommand(args: string[]): Promise<number> {
  const [verb, id] = args;
  if (verb !== "verify" || id === undefined || !/^\d+$/.test(id)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const { derivative } = await gatewayRequest<{ derivative: PublishedDerivative | null }>(DERIVATIVE_QUERY, {
    id,
  });
  if (derivative === null) {
    process.stderr.write(`caldera derivative: no derivative ${id}\n`);
    return 1;
  }
  const vkey = JSON.parse(
    readFileSync(
      fileURLToPath(new URL("../circuits/build/derivationBinding/verification_key.json", import.meta.url)),
      "utf8",
    ),
  ) as unknown;
  const result = await verifyDerivative(derivative, vkey);
  if (args.includes("--json")) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    process.stdout.write(`derivative ${id} (${derivative.kind}, ${derivative.model.id})\n`);
    for (const c of result.checks) process.stdout.write(`  ${c.ok ? "✓" : "✗"} ${c.check}: ${c.detail}\n`);
    process.stdout.write(result.ok ? "verified\n" : "NOT verified\n");
  }
  return result.ok ? 0 : 1;
}

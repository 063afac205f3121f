import type { Hex } from "viem";
import { BaseError } from "../../../errors/BaseError.js";
import type { HubServices } from "../../HubServices.js";
import { inspectWasmModule } from "./inspectWasmModule.js";
import { type LogicModule, parseLogicModule } from "./parseLogicModule.js";

export type PublishLogicModuleReturnType = { hash: Hex; module: LogicModule };

/**
 * Checks a logic module (INVALID_MODULE naming the JSON path: unknown operators, bad parameters, a wasm binary
 * with imports beyond the host ABI or an unbounded memory) and keeps it content-addressed; returns its hash, which
 * is what a component registers as its logic hash and what an absorption names. Nothing runs and nothing is sent.
 */
export async function publishLogicModule(
  module: unknown,
  hub: Pick<HubServices, "logicModules">,
): Promise<PublishLogicModuleReturnType> {
  const parsed = parseLogicModule(module);
  if (parsed.kind === "wasm") inspectWasmModule(parsed.wasm, parsed.limits);
  if (hub.logicModules === undefined)
    throw new BaseError("This hub process keeps no logic modules", {
      code: "BAD_USER_INPUT",
      details: { field: "module" },
    });
  return { hash: await hub.logicModules.put(module), module: parsed };
}

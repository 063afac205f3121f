// The worker thread a sandboxed logic module runs in (createWasmSandbox starts it). Plain JavaScript on purpose: it
// imports nothing of the hub, so a module's code shares this isolate with nothing but the host ABI below. The
// parent enforces wall-clock time by terminating this thread and the heap by its resourceLimits; memory is bounded
// by the maximum the module declared (checked before it gets here, inspectWasmModule).
import { parentPort } from "node:worker_threads";

const PAGE = 65_536;
const MAX_ABORT_MESSAGE = 1024;

class ModuleFailure extends Error {
  constructor(code, message, details) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

const invalid = (path, problem, details = {}) =>
  new ModuleFailure("INVALID_MODULE", `${path} ${problem}`, { path, ...details });

async function run({ wasm, entry, input, limits, memoryMaxPages }) {
  let module;
  try {
    module = await WebAssembly.compile(wasm);
  } catch (error) {
    throw invalid("$.wasm", `is not valid WebAssembly: ${error.message}`);
  }
  const exported = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  if (exported.get("memory") !== "memory") throw invalid("$.wasm", "must export its memory as `memory`");
  if (exported.get("alloc") !== "function") throw invalid("$.wasm", "must export `alloc(len: i32) -> i32`");
  if (exported.get(entry) !== "function")
    throw invalid("$.entry", `names ${entry}, which the module does not export`);

  let memory;
  const readText = (ptr, len) => {
    const view = new Uint8Array(memory.buffer);
    if (ptr < 0 || len < 0 || ptr + len > view.length) throw invalid("$.wasm", "read outside its memory");
    return new TextDecoder("utf-8", { fatal: true }).decode(view.slice(ptr, ptr + len));
  };
  // The host ABI (inspectWasmModule.HOST_ABI): nothing else is offered, so nothing else can be reached.
  const host = {
    caldera: {
      abort(ptr, len) {
        let message;
        try {
          message = readText(ptr >>> 0, Math.min(len >>> 0, MAX_ABORT_MESSAGE));
        } catch {
          message = "(unreadable message)";
        }
        throw invalid("$.wasm", `aborted: ${message}`, { reason: "abort", message });
      },
    },
  };
  const instance = await WebAssembly.instantiate(module, host);
  memory = instance.exports.memory;
  const atMaximum = () => memory.buffer.byteLength >= memoryMaxPages * PAGE;
  try {
    const bytes = new TextEncoder().encode(input);
    const ptr = instance.exports.alloc(bytes.length) >>> 0;
    if (ptr + bytes.length > memory.buffer.byteLength)
      throw invalid("$.wasm", "alloc returned memory it does not have");
    new Uint8Array(memory.buffer).set(bytes, ptr);
    const packed = instance.exports[entry](ptr, bytes.length);
    if (typeof packed !== "bigint")
      throw invalid("$.entry", "must return an i64: (outputPtr << 32) | outputLength");
    const unsigned = BigInt.asUintN(64, packed);
    const outPtr = Number(unsigned >> 32n);
    const outLen = Number(unsigned & 0xffff_ffffn);
    // Checked before reading: a module cannot make the host copy more than the cap.
    if (outLen > limits.outputBytes)
      throw new ModuleFailure("SANDBOX_LIMIT_EXCEEDED", "output too large", {
        limit: "outputBytes",
        value: limits.outputBytes,
        observed: outLen,
      });
    const text = readText(outPtr, outLen);
    try {
      return JSON.parse(text);
    } catch {
      throw invalid("$.output", "is not JSON");
    }
  } catch (error) {
    if (error instanceof ModuleFailure) throw error;
    // memory.grow fails at the declared maximum (-1); a module that then traps ran out of the memory it may have.
    if (atMaximum())
      throw new ModuleFailure("SANDBOX_LIMIT_EXCEEDED", "memory", {
        limit: "memoryPages",
        value: memoryMaxPages,
      });
    throw invalid("$.wasm", `trapped: ${error.message}`, { reason: "trap" });
  }
}

parentPort.on("message", async (request) => {
  try {
    const output = await run(request);
    parentPort.postMessage({ id: request.id, type: "done", output });
  } catch (error) {
    const failure =
      error instanceof ModuleFailure
        ? error
        : invalid("$.wasm", `failed: ${error?.message ?? String(error)}`);
    parentPort.postMessage({
      id: request.id,
      type: "error",
      error: { code: failure.code, message: failure.message, details: failure.details },
    });
  }
});
parentPort.postMessage({ type: "ready" });

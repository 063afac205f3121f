import { InvalidModuleError } from "./logicErrors.js";

/**
 * The host ABI: the only imports a sandboxed module may declare, all functions of module "caldera".
 * - `abort(messagePtr: i32, messageLen: i32)`: stops the run; the UTF-8 message (≤ 1 KiB read) is reported in the
 *   INVALID_MODULE error's `details.message`.
 * Anything else (WASI, `env.*`, an imported memory, table or global) is INVALID_MODULE before the module runs.
 */
export const HOST_ABI = { caldera: ["abort"] } as const;

/** Largest table a module may declare (elements); table.grow is bounded by it like memory.grow by its maximum. */
export const MAX_TABLE_ELEMENTS = 10_000;

export type InspectWasmModuleReturnType = {
  /** The declared maximum of its memory, in 64 KiB pages. */
  memoryMaxPages: number;
  imports: { module: string; name: string }[];
};

const IMPORT_KINDS = ["function", "table", "memory", "global", "tag"] as const;

/**
 * Reads a WebAssembly binary's section headers — without compiling or running anything — and refuses (INVALID_MODULE,
 * path under `$.wasm`) what the sandbox cannot bound: imports beyond the host ABI, an imported or shared or 64-bit
 * memory, no memory or more than one, a memory without a declared maximum or with one above `memoryPages` (the
 * maximum is what stops memory.grow: a worker's resourceLimits do not cover wasm memory), a table without a
 * maximum ≤ 10,000. Structural validity beyond that is left to WebAssembly.compile in the worker.
 */
export function inspectWasmModule(
  bytes: Uint8Array,
  { memoryPages }: { memoryPages: number },
): InspectWasmModuleReturnType {
  let offset = 0;
  const fail = (problem: string, path = "$.wasm"): never => {
    throw new InvalidModuleError(path, problem);
  };
  const byte = () => {
    if (offset >= bytes.length) fail("is truncated");
    return bytes[offset++] as number;
  };
  const u32 = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 35) fail("has a malformed LEB128 integer");
    }
    return result;
  };
  const name = () => {
    const length = u32();
    if (offset + length > bytes.length) fail("is truncated");
    const text = new TextDecoder().decode(bytes.subarray(offset, offset + length));
    offset += length;
    return text;
  };
  const limits = () => {
    const flags = byte();
    if (flags & 0b100) fail("declares a 64-bit memory or table, which the sandbox does not run");
    if (flags & 0b10) fail("declares a shared memory, which the sandbox does not run");
    const min = u32();
    const max = flags & 1 ? u32() : undefined;
    return { min, max };
  };

  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d)
    fail("is not a WebAssembly binary (no \\0asm header)");
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0)
    fail("is not WebAssembly version 1");
  offset = 8;
  const imports: { module: string; name: string }[] = [];
  const memories: { min: number; max: number | undefined }[] = [];
  while (offset < bytes.length) {
    const id = byte();
    const size = u32();
    const end = offset + size;
    if (end > bytes.length) fail(`has a section (id ${id}) running past its end`);
    if (id === 2) {
      const count = u32();
      for (let i = 0; i < count; i++) {
        const module = name();
        const field = name();
        const kind = byte();
        const allowed = (HOST_ABI as Record<string, readonly string[]>)[module];
        if (kind !== 0 || allowed === undefined || !allowed.includes(field))
          throw new InvalidModuleError(
            `$.wasm.imports[${i}]`,
            `imports ${IMPORT_KINDS[kind] ?? "something"} ${module}.${field}, which is not in the host ABI (caldera.abort)`,
            { module, name: field },
          );
        u32(); // its type index
        imports.push({ module, name: field });
      }
    } else if (id === 4) {
      const count = u32();
      for (let i = 0; i < count; i++) {
        byte(); // reference type
        const { max } = limits();
        if (max === undefined || max > MAX_TABLE_ELEMENTS)
          fail(`must declare a maximum of at most ${MAX_TABLE_ELEMENTS} elements`, `$.wasm.tables[${i}]`);
      }
    } else if (id === 5) {
      const count = u32();
      for (let i = 0; i < count; i++) memories.push(limits());
    }
    offset = end;
  }
  if (memories.length !== 1)
    fail(`must define exactly one memory (it has ${memories.length})`, "$.wasm.memory");
  const memory = memories[0] as { min: number; max: number | undefined };
  if (memory.max === undefined)
    fail(`must declare a maximum of at most ${memoryPages} pages (64 KiB each)`, "$.wasm.memory");
  if ((memory.max as number) > memoryPages)
    throw new InvalidModuleError(
      "$.wasm.memory",
      `declares a maximum of ${memory.max} pages, more than the limit of ${memoryPages}`,
      { limit: "memoryPages", value: memoryPages, declared: memory.max },
    );
  return { memoryMaxPages: memory.max as number, imports };
}

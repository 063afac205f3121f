import { afterAll, describe, expect, it } from "vitest";
import { createWasmSandbox } from "./createWasmSandbox.js";
import { type LogicModule, parseLogicModule, type WasmModule } from "./parseLogicModule.js";
import { runLogicModule } from "./runLogicModule.js";

// Hand-assembled WebAssembly binaries: the sandbox is tested on real modules, not on stand-ins.
const I32 = 0x7f;
const I64 = 0x7e;
const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const sleb = (value: bigint): number[] => {
  const out: number[] = [];
  let n = value;
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (text: string) => [...uleb(text.length), ...Buffer.from(text)];
const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
const body = (code: number[]) => {
  const content = [0 /* no locals */, ...code, 0x0b];
  return [...uleb(content.length), ...content];
};

type Assembly = {
  /** Extra imports `[module, field]`, all of type (i32, i32) -> (). */
  imports?: [string, string][];
  memory?: { min: number; max?: number } | null;
  run: number[];
  data?: { offset: number; bytes: number[] };
};

/** Types: 0 = (i32) -> i32 (alloc), 1 = (i32, i32) -> i64 (run), 2 = (i32, i32) -> () (imports). */
function assemble({ imports = [], memory = { min: 1, max: 2 }, run, data }: Assembly): Uint8Array {
  const types = vec([
    [0x60, ...vec([[I32]]), ...vec([[I32]])],
    [0x60, ...vec([[I32], [I32]]), ...vec([[I64]])],
    [0x60, ...vec([[I32], [I32]]), ...vec([])],
  ]);
  const bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...section(1, types)];
  if (imports.length > 0)
    bytes.push(
      ...section(2, vec(imports.map(([module, field]) => [...name(module), ...name(field), 0x00, 2]))),
    );
  bytes.push(...section(3, vec([[0], [1]])));
  if (memory !== null)
    bytes.push(
      ...section(
        5,
        vec([
          memory.max === undefined
            ? [0x00, ...uleb(memory.min)]
            : [0x01, ...uleb(memory.min), ...uleb(memory.max)],
        ]),
      ),
    );
  const first = imports.length;
  bytes.push(
    ...section(
      7,
      vec([
        [...name("memory"), 0x02, 0],
        [...name("alloc"), 0x00, ...uleb(first)],
        [...name("run"), 0x00, ...uleb(first + 1)],
      ]),
    ),
  );
  const alloc = [0x41, ...sleb(1024n)]; // i32.const 1024: input goes at byte 1024
  bytes.push(...section(10, vec([body(alloc), body(run)])));
  if (data !== undefined)
    bytes.push(
      ...section(
        11,
        vec([[0x00, 0x41, ...sleb(BigInt(data.offset)), 0x0b, ...vec(data.bytes.map((b) => [b]))]]),
      ),
    );
  return new Uint8Array(bytes);
}

/** WebAssembly's own validator (the tsconfig's lib has no WebAssembly types). */
const wasmValidate = (bytes: Uint8Array): boolean =>
  (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly.validate(
    bytes,
  );

const LOCAL_GET = 0x20;
const I64_EXTEND_I32_U = 0xad;
const I64_CONST = 0x42;
/** (ptr << 32) | len: returns the input unchanged. */
const ECHO = [LOCAL_GET, 0, I64_EXTEND_I32_U, I64_CONST, 32, 0x86, LOCAL_GET, 1, I64_EXTEND_I32_U, 0x84];
/** loop { br 0 }: never returns. */
const LOOP_FOREVER = [0x03, 0x40, 0x0c, 0x00, 0x0b, I64_CONST, 0];
/** loop { if (memory.grow(1) == -1) unreachable; br 0 }: allocates until refused, then traps. */
const GROW_FOREVER = [
  0x03,
  0x40,
  0x41,
  1,
  0x40,
  0x00,
  0x41,
  0x7f,
  0x46,
  0x04,
  0x40,
  0x00,
  0x0b,
  0x0c,
  0x00,
  0x0b,
  I64_CONST,
  0,
];
/** Claims an output of 2,000,000 bytes at address 0. */
const HUGE_OUTPUT = [I64_CONST, ...sleb(2_000_000n)];

const wasmModule = (bytes: Uint8Array, extra: Record<string, unknown> = {}): WasmModule => {
  const parsed: LogicModule = parseLogicModule({
    format: "caldera-logic/v1",
    kind: "wasm",
    name: "test-module",
    wasm: Buffer.from(bytes).toString("base64"),
    ...extra,
  });
  if (parsed.kind !== "wasm") throw new Error("not wasm");
  return parsed;
};

const sandbox = createWasmSandbox();
afterAll(() => sandbox.terminate());

describe("createWasmSandbox", () => {
  it("runs a module: JSON in through alloc and memory, JSON out from the entry", async () => {
    expect(wasmValidate(assemble({ run: ECHO }))).toBe(true);
    const input = { points: [{ t: 1, values: { temperature: 21.5 } }], note: "héllo" };
    await expect(sandbox.run(wasmModule(assemble({ run: ECHO })), input)).resolves.toEqual(input);
  });

  it("stops a module that loops forever at its wall-clock limit and replaces its worker", async () => {
    const before = sandbox.stats().replaced;
    await expect(
      sandbox.run(wasmModule(assemble({ run: LOOP_FOREVER }), { limits: { wallClockMs: 300 } }), {}),
    ).rejects.toMatchObject({
      code: "SANDBOX_LIMIT_EXCEEDED",
      details: { limit: "wallClockMs", value: 300 },
    });
    expect(sandbox.stats().replaced).toBe(before + 1);
    // Nothing of it is left: the next module runs in a fresh worker.
    await expect(sandbox.run(wasmModule(assemble({ run: ECHO })), [1, 2, 3])).resolves.toEqual([1, 2, 3]);
    expect(sandbox.stats()).toMatchObject({ workers: 1, running: 0, queued: 0 });
  });

  it("stops a module that grows its memory without bound at its declared maximum", async () => {
    const module = wasmModule(assemble({ run: GROW_FOREVER, memory: { min: 1, max: 4 } }), {
      limits: { memoryPages: 4 },
    });
    await expect(sandbox.run(module, {})).rejects.toMatchObject({
      code: "SANDBOX_LIMIT_EXCEEDED",
      details: { limit: "memoryPages", value: 4 },
    });
    await expect(sandbox.run(wasmModule(assemble({ run: ECHO })), "after")).resolves.toBe("after");
  });

  it("refuses an output larger than the cap before copying it", async () => {
    await expect(
      sandbox.run(wasmModule(assemble({ run: HUGE_OUTPUT }), { limits: { outputBytes: 1000 } }), {}),
    ).rejects.toMatchObject({
      code: "SANDBOX_LIMIT_EXCEEDED",
      details: { limit: "outputBytes", value: 1000, observed: 2_000_000 },
    });
  });

  it("refuses imports outside the host ABI before running anything", async () => {
    const replaced = sandbox.stats().replaced;
    for (const [module, field] of [
      ["env", "fetch"],
      ["wasi_snapshot_preview1", "fd_write"],
      ["caldera", "readFile"],
    ] as [string, string][]) {
      const bytes = assemble({ imports: [[module, field]], run: ECHO });
      expect(wasmValidate(bytes)).toBe(true);
      await expect(sandbox.run(wasmModule(bytes), {})).rejects.toMatchObject({
        code: "INVALID_MODULE",
        details: { path: "$.wasm.imports[0]", module, name: field },
      });
    }
    expect(sandbox.stats().replaced).toBe(replaced);
  });

  it("refuses a memory without a maximum, or with one above the limit, or none", async () => {
    await expect(
      sandbox.run(wasmModule(assemble({ run: ECHO, memory: { min: 1 } })), {}),
    ).rejects.toMatchObject({ code: "INVALID_MODULE", details: { path: "$.wasm.memory" } });
    await expect(
      sandbox.run(wasmModule(assemble({ run: ECHO, memory: { min: 1, max: 300 } })), {}),
    ).rejects.toMatchObject({
      code: "INVALID_MODULE",
      details: { path: "$.wasm.memory", limit: "memoryPages", declared: 300 },
    });
    await expect(
      sandbox.run(
        wasmModule(assemble({ run: ECHO, memory: { min: 1, max: 8 } }), { limits: { memoryPages: 4 } }),
        {},
      ),
    ).rejects.toMatchObject({ code: "INVALID_MODULE", details: { path: "$.wasm.memory", declared: 8 } });
    await expect(sandbox.run(wasmModule(assemble({ run: ECHO, memory: null })), {})).rejects.toMatchObject({
      code: "INVALID_MODULE",
      details: { path: "$.wasm.memory" },
    });
  });

  it("offers caldera.abort, reported as INVALID_MODULE with the module's message", async () => {
    const bytes = assemble({
      imports: [["caldera", "abort"]],
      run: [0x41, 0, 0x41, 5, 0x10, 0, I64_CONST, 0],
      data: { offset: 0, bytes: [...Buffer.from("boom!")] },
    });
    await expect(sandbox.run(wasmModule(bytes), {})).rejects.toMatchObject({
      code: "INVALID_MODULE",
      details: { reason: "abort", message: "boom!" },
    });
  });

  it("refuses bytes that are not WebAssembly, and hub limits a module may not widen", async () => {
    await expect(sandbox.run(wasmModule(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])), {})).rejects.toMatchObject(
      {
        code: "INVALID_MODULE",
        details: { path: "$.wasm" },
      },
    );
    expect(() => wasmModule(assemble({ run: ECHO }), { limits: { wallClockMs: 60_000 } })).toThrow(
      expect.objectContaining({ code: "INVALID_MODULE", details: { path: "$.limits.wallClockMs" } }),
    );
    // Valid headers but a broken body: WebAssembly.compile in the worker refuses it.
    const broken = assemble({ run: [0x41] });
    await expect(sandbox.run(wasmModule(broken), {})).rejects.toMatchObject({ code: "INVALID_MODULE" });
  });

  it("runs a wasm logic module on a time series; an output that is not one is INVALID_MODULE at $.output", async () => {
    const series = { slotSeconds: 60, windowStart: 0, points: [{ t: 0, values: { x: 1.5 } }] };
    const echo = wasmModule(assemble({ run: ECHO }));
    await expect(runLogicModule(echo, series, { sandbox: () => sandbox })).resolves.toEqual(series);
    await expect(
      runLogicModule(echo, { ...series, slotSeconds: 0 }, { sandbox: () => sandbox }),
    ).rejects.toMatchObject({ code: "INVALID_MODULE", details: { path: "$.output.slotSeconds" } });
  });
});

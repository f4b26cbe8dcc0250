/**
 * run(): instantiate a WASI command over a Union and run it to completion.
 *
 * @example
 * const union = new Union(new Image([MemoryLayer.from({ "hello.txt": "hi" })]), new MemoryLayer());
 * const code = await run(await fetch("cat.wasm"), { union, args: ["cat", "/hello.txt"], stdout: (b) => out.push(b) });
 */
import type { Union } from "../core/union.ts";
import { PREVIEW1_FUNCTIONS } from "./abi.ts";
import { createWasi } from "./host.ts";
import type { WasiOptions } from "./host.ts";

/** A compiled module, its bytes, or a fetch() Response (or a promise of one). */
export type WasmSource = WebAssembly.Module | ArrayBuffer | ArrayBufferView | Response | PromiseLike<Response>;

/** Options of `run`: WasiOptions plus extra imports. */
export interface RunOptions extends WasiOptions {
  /** The union the program sees as "/" (fd 3); without one the program gets no "/" preopen. */
  union?: Union;
  /** Extra import modules (anything other than wasi_snapshot_preview1 the program needs). */
  imports?: WebAssembly.Imports;
}

const PREVIEW1 = "wasi_snapshot_preview1";
const KNOWN: ReadonlySet<string> = new Set(PREVIEW1_FUNCTIONS);

async function compile(source: WasmSource): Promise<WebAssembly.Module> {
  const s = await source;
  if (s instanceof WebAssembly.Module) return s;
  if (typeof Response !== "undefined" && s instanceof Response) {
    if (!s.ok) throw new Error(`run: fetching the module failed: HTTP ${s.status} ${s.statusText}`);
    // Streaming compilation needs the wasm MIME type; otherwise read the body first.
    if (typeof WebAssembly.compileStreaming === "function" && s.headers.get("content-type")?.startsWith("application/wasm")) {
      return await WebAssembly.compileStreaming(s);
    }
    return await WebAssembly.compile(await s.arrayBuffer());
  }
  if (s instanceof ArrayBuffer || ArrayBuffer.isView(s)) return await WebAssembly.compile(s as BufferSource);
  throw new TypeError("run: expected a WebAssembly.Module, bytes or a Response");
}

/**
 * Fail before anything runs if the module imports something this host cannot
 * give it: an unknown wasi_snapshot_preview1 function or an unknown module.
 */
export function checkImports(module: WebAssembly.Module, extra: WebAssembly.Imports = {}): void {
  const problems: string[] = [];
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module === PREVIEW1) {
      if (!KNOWN.has(imp.name)) problems.push(`unknown ${PREVIEW1} function "${imp.name}"`);
      else if (imp.kind !== "function") problems.push(`${PREVIEW1}.${imp.name} imported as a ${imp.kind}`);
    } else {
      const mod = extra[imp.module];
      if (mod === undefined) problems.push(`unknown import module "${imp.module}" (for "${imp.name}")`);
      else if (!(imp.name in mod)) problems.push(`import "${imp.module}"."${imp.name}" not provided`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`layerfs run: the module cannot be run: ${problems.join("; ")}`);
  }
}

/** Run a WASI command (`_start`) over `options.union`; resolves to its exit code. */
export async function run(source: WasmSource, options: RunOptions): Promise<number> {
  const module = await compile(source);
  checkImports(module, options.imports);
  const host = createWasi(options);
  const instance = await WebAssembly.instantiate(module, { ...options.imports, ...host.imports });
  try {
    return host.start(instance);
  } finally {
    host.closeFiles(); // what the guest left open (a process's descriptors go at exit too)
    await host.flush();
  }
}

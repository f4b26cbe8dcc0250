// Shared by the third-party tests: compiled modules (cached per file, so a big module is
// fetched and compiled once per test file) and output collectors. Portable: no node:*.
import { loadFixtureBytes, packageFileUrl } from "../support/index.ts";

const modules = new Map<string, Promise<WebAssembly.Module>>();

/** A .wasm file from an installed npm package, compiled once per test file. */
export function compilePackageWasm(pathInNodeModules: string): Promise<WebAssembly.Module> {
  let m = modules.get(pathInNodeModules);
  if (m === undefined) {
    m = loadFixtureBytes(packageFileUrl(pathInNodeModules)).then((bytes) => WebAssembly.compile(bytes));
    modules.set(pathInNodeModules, m);
  }
  return m;
}

/** A test program from test/wasm/, compiled once per test file. */
export function compileTestProgram(name: string): Promise<WebAssembly.Module> {
  const key = `test/wasm/${name}`;
  let m = modules.get(key);
  if (m === undefined) {
    m = loadFixtureBytes(new URL(`../wasm/${name}.wasm`, import.meta.url)).then((b) => WebAssembly.compile(b));
    modules.set(key, m);
  }
  return m;
}

/** Collects what a program writes to a stream, as text. */
export class TextSink {
  text = "";
  readonly #decoder = new TextDecoder();
  readonly write = (bytes: Uint8Array): void => {
    this.text += this.#decoder.decode(bytes, { stream: true });
  };
}

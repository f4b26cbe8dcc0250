// Loading files that live next to a test, in every runtime.
// Call with a URL built from the test's own module URL, so the same line works
// everywhere: loadFixtureBytes(new URL("../wasm/prog.wasm", import.meta.url)).
//   Node:    import.meta.url is file://; read with node:fs (imported lazily).
//   Deno:    file://; read with Deno.readFile.
//   Browser: http:// from vitest's vite server, which serves the project root; fetch it.
import { runtime } from "./runtime.ts";

interface DenoFs {
  readFile(path: URL): Promise<Uint8Array<ArrayBuffer>>;
}

// Hidden from vite's import analysis so the browser bundle never tries to resolve node:fs.
const NODE_FS = "node:fs/promises";

// Uint8Array<ArrayBuffer> (never shared memory), so results pass as BufferSource to WebAssembly.
export async function loadFixtureBytes(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  if (url.protocol === "file:" && runtime() !== "browser") {
    if (runtime() === "deno") {
      const Deno = (globalThis as unknown as { Deno: DenoFs }).Deno;
      return await Deno.readFile(url);
    }
    const fs = (await import(/* @vite-ignore */ NODE_FS)) as { readFile(p: URL): Promise<Uint8Array> };
    const buf = await fs.readFile(url);
    // A plain Uint8Array (not a Buffer) so results compare equal across runtimes.
    return new Uint8Array(buf.buffer as ArrayBuffer, buf.byteOffset, buf.byteLength);
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`loadFixtureBytes: ${url.href}: HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

export async function loadFixtureText(url: URL): Promise<string> {
  return new TextDecoder().decode(await loadFixtureBytes(url));
}

/** URL of a file inside an installed npm package (e.g. "@esbuild/wasi-preview1/esbuild.wasm"),
 *  for loadFixtureBytes: a file:// URL in Node and Deno, served by vite in the browser. */
export function packageFileUrl(pathInNodeModules: string): URL {
  // Not `new URL(`...${x}`, import.meta.url)`: vite rewrites that pattern into a glob
  // lookup in the browser (which finds nothing in node_modules). A variable base is left alone.
  const here = import.meta.url;
  return new URL("../../node_modules/" + pathInNodeModules, here);
}

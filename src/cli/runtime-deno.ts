/** The CLI's runtime on Deno: Deno.args/stdio/exit and DirLayers over Deno's own file APIs. */
import { dirLayer, DenoFileSource } from "../host/deno.ts";
import type { HostKind, ProcessRuntime } from "./runtime.ts";

/** The part of the Deno namespace used here (no Deno types in this project's tsconfig). */
interface DenoApi {
  args: string[];
  version: { deno: string };
  exit(code: number): never;
  cwd(): string;
  realPathSync(path: string): string;
  statSync(path: string): { isFile: boolean; isDirectory: boolean };
  readFileSync(path: string): Uint8Array;
  mkdirSync(path: string, options: { recursive: boolean }): void;
  removeSync(path: string): void;
  stdout: { writeSync(data: Uint8Array): number };
  stderr: { writeSync(data: Uint8Array): number; isTerminal(): boolean };
}

export function denoRuntime(): ProcessRuntime {
  const Deno = (globalThis as unknown as { Deno: DenoApi }).Deno;
  const encoder = new TextEncoder();
  const writer = (stream: { writeSync(data: Uint8Array): number }) => (data: string | Uint8Array) => {
    let bytes = typeof data === "string" ? encoder.encode(data) : data;
    try {
      while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
    } catch (e) {
      // A closed pipe is a normal end of output.
      if ((e as { name?: string }).name === "BrokenPipe") Deno.exit(0);
      throw e;
    }
  };
  return {
    name: `deno ${Deno.version.deno}`,
    stdout: writer(Deno.stdout),
    stderr: writer(Deno.stderr),
    programStdio: {},
    resolve: (p) => canonicalPath(resolvePath(Deno.cwd(), p), (q) => Deno.realPathSync(q)),
    kind: (p): HostKind | undefined => {
      try {
        const s = Deno.statSync(p);
        return s.isDirectory ? "dir" : s.isFile ? "file" : "other";
      } catch {
        return undefined;
      }
    },
    readFile: (p) => Deno.readFileSync(p),
    mkdirp: (p) => Deno.mkdirSync(p, { recursive: true }),
    lowerLayer: (p) => dirLayer(p),
    upperLayer: (p, lock = true) => dirLayer(p, { writable: true, lock }),
    fileSource: (p) => new DenoFileSource(p),
    stderrIsTTY: Deno.stderr.isTerminal(),
    args: () => [...Deno.args],
    exit: (code) => Deno.exit(code),
  };
}

/** Realpath of the longest existing prefix of absolute `abs`, plus the rest (which may not exist yet). */
export function canonicalPath(abs: string, realpath: (p: string) => string): string {
  const parts = abs.split("/").filter((x) => x !== "");
  for (let n = parts.length; n >= 0; n--) {
    try {
      const head = realpath("/" + parts.slice(0, n).join("/"));
      const rest = parts.slice(n).join("/");
      return rest === "" ? head : head === "/" ? "/" + rest : `${head}/${rest}`;
    } catch {
      // this prefix does not exist: try a shorter one
    }
  }
  return abs;
}

/** POSIX path.resolve(cwd, p) without node:path. */
export function resolvePath(cwd: string, p: string): string {
  const parts: string[] = [];
  for (const part of (p.startsWith("/") ? p : `${cwd}/${p}`).split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

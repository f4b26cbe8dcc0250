/**
 * `layerfs run --image`: what to run from an image. Without PROGRAM, the
 * config's Entrypoint + Cmd with its Env and WorkingDir (docker's rules:
 * PROGRAM given replaces both). The program is read from the union, never
 * from the host: a name without "/" is looked up in the image's PATH, a
 * relative path from the working directory, and every path (`../../bin/x`,
 * `/usr/bin/x`, symlinks) resolves inside the union root.
 */
import { Errno, isFsError } from "../core/errno.ts";
import type { Union } from "../core/union.ts";
import type { ImageConfig } from "../oci/load.ts";
import { CliError } from "./errors.ts";

export interface ImageProgram {
  module: WebAssembly.Module;
  /** argv: argv[0] as the image names it. */
  args: string[];
  env: Record<string, string>;
  /** PWD (--cwd or the config's WorkingDir); undefined: none given. */
  cwd: string | undefined;
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

/** Resolve and compile the program an image run starts (see the module comment). */
export async function imageProgram(union: Union, image: string, config: ImageConfig, program: string[], env: [string, string][], cwd: string | undefined): Promise<ImageProgram> {
  const argv = program.length > 0 ? program : [...(config.entrypoint ?? []), ...(config.cmd ?? [])];
  if (argv.length === 0) throw new CliError(`${image}: the image config has no Entrypoint or Cmd; give a PROGRAM after --`);
  const merged: Record<string, string> = {};
  for (const kv of config.env ?? []) {
    const eq = kv.indexOf("=");
    if (eq > 0) merged[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  for (const [k, v] of env) merged[k] = v;
  // PWD only when asked for: --cwd, else the config's WorkingDir (lookups start at "/").
  const wd = cwd ?? (config.workingDir ? absolute(config.workingDir) : undefined);
  const dir = wd ?? "/";
  const name = argv[0]!;
  const path = findProgram(union, name, merged.PATH ?? DEFAULT_PATH, dir);
  if (path === undefined) throw new CliError(`${image}: ${name}: no such program in the image${name.includes("/") ? "" : ` (PATH=${merged.PATH ?? DEFAULT_PATH})`}`);
  let bytes: Uint8Array;
  try {
    bytes = union.readFile(path);
  } catch (e) {
    throw new CliError(`${image}: ${path}: cannot read the program: ${isFsError(e) ? e.code : String(e)}`);
  }
  if (bytes.length < 8 || WASM_MAGIC.some((b, i) => bytes[i] !== b)) throw new CliError(`${image}: ${path}: not a WebAssembly module (no \\0asm magic bytes)`);
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new CliError(`${image}: ${path}: invalid WebAssembly module: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { module, args: argv, env: merged, cwd: wd };
}

function absolute(p: string): string {
  return p.startsWith("/") ? p : "/" + p;
}

/** The union path of the program `name` (inside the union whatever it says), or undefined. */
function findProgram(union: Union, name: string, pathVar: string, cwd: string): string | undefined {
  const candidates = name.includes("/")
    ? [name.startsWith("/") ? name : `${cwd.replace(/\/$/, "")}/${name}`]
    : pathVar.split(":").filter((d) => d !== "").map((d) => `${absolute(d).replace(/\/$/, "")}/${name}`);
  for (const c of candidates) {
    try {
      // Symlinks and ".." resolve inside the union root (chroot semantics).
      const real = union.realpath(c);
      if (union.stat(real).type === "file") return real;
    } catch (e) {
      if (!isFsError(e) || (e.errno !== Errno.NOENT && e.errno !== Errno.NOTDIR && e.errno !== Errno.LOOP)) throw e;
    }
  }
  return undefined;
}

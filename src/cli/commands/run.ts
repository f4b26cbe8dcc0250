/** `layerfs run`: run a WASI program on the merged layers. */
import { Image } from "../../core/image.ts";
import { Union } from "../../core/union.ts";
import { run } from "../../wasi/run.ts";
import { LAYER_OPTIONS, parseCommand, parsePairs, splitProgram } from "../args.ts";
import { CliError, UsageError } from "../errors.ts";
import { help } from "../help.ts";
import { openUnion, overlaps, requireDir } from "../open-union.ts";
import type { CliRuntime } from "../runtime.ts";

const OPTIONS = {
  ...LAYER_OPTIONS,
  env: { type: "string", multiple: true },
  cwd: { type: "string" },
  dir: { type: "string", multiple: true },
} as const;

const VALUE_OPTIONS = new Set(["layer", "upper", "env", "cwd", "dir"]);

/** The four bytes every WebAssembly binary starts with: "\0asm". */
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

export async function runCommand(args: string[], rt: CliRuntime): Promise<number> {
  const { own, program } = splitProgram(args, VALUE_OPTIONS);
  const { values, positionals } = parseCommand("run", own, OPTIONS);
  if (values.help) return help(rt, "run");
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, "run");
  const [programPath, ...programArgs] = program;
  if (programPath === undefined) throw new UsageError("missing PROGRAM.wasm", "run");
  const env = Object.fromEntries(parsePairs("run", "--env", values.env));
  const dirs = parsePairs("run", "--dir", values.dir);
  const guests = new Set<string>();
  for (const [guest] of dirs) {
    // Absolute and canonical: no empty, "." or ".." components, no trailing slash.
    const parts = guest.split("/").slice(1);
    if (!guest.startsWith("/") || guest === "/" || parts.some((p) => p === "" || p === "." || p === "..")) {
      throw new UsageError(`--dir guest path must be absolute and not / (no empty, '.' or '..' parts), got '${guest}'`, "run");
    }
    if (guests.has(guest)) throw new UsageError(`--dir guest path '${guest}' given more than once`, "run");
    guests.add(guest);
  }
  if (values.cwd !== undefined && !values.cwd.startsWith("/")) {
    throw new UsageError(`--cwd must be an absolute path in the union, got '${values.cwd}'`, "run");
  }

  const module = await loadModule(rt, programPath);
  for (const [guest, host] of dirs) {
    requireDir(rt, host, "--dir");
    // Writes through a --dir go straight to the host: never into a layer or the upper.
    for (const [what, dir] of [...(values.layer ?? []).map((l) => ["layer", l]), ...(values.upper === undefined ? [] : [["upper", values.upper]])]) {
      if (overlaps(rt, host, dir!)) throw new CliError(`--dir ${guest}='${host}' overlaps ${what} '${dir}'`);
    }
  }
  const union = openUnion(rt, values, true, true);
  const preopens: Record<string, Union> = {};
  try {
    for (const [guest, host] of dirs) {
      // A host directory shared with the program: a union of just that directory as
      // its writable layer (writes go straight to it; deletions of its files are real).
      // Shared on purpose, like wasmtime's --dir: not locked.
      preopens[guest] = new Union(new Image([]), rt.upperLayer(rt.resolve(host), false));
    }
  } catch (e) {
    union.close();
    throw e;
  }

  try {
    return await run(module, {
      union,
      args: [programPath, ...programArgs],
      env,
      cwd: values.cwd ?? "/",
      preopens,
      ...rt.programStdio,
    });
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) throw new CliError(`${programPath}: the program trapped: ${e.message}`);
    if (e instanceof Error && e.message.startsWith("layerfs run: ")) throw new CliError(e.message.slice(13));
    throw e;
  } finally {
    // Each upper's lock goes, and its work directory (beside it) when empty; lower descriptors too.
    for (const u of [union, ...Object.values(preopens)]) u.close();
    union.image.close();
  }
}

/** Read and compile the program, checking first that it is WebAssembly at all. */
async function loadModule(rt: CliRuntime, path: string): Promise<WebAssembly.Module> {
  const kind = rt.kind(path);
  if (kind === undefined) throw new CliError(`${path}: no such file`);
  if (kind !== "file") throw new CliError(`${path}: not a regular file`);
  const bytes = rt.readFile(path);
  if (bytes.length < 8 || WASM_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new CliError(`${path}: not a WebAssembly module (no \\0asm magic bytes)`);
  }
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new CliError(`${path}: invalid WebAssembly module: ${e instanceof Error ? e.message : String(e)}`);
  }
}

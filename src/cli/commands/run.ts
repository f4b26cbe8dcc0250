/** `layerfs run`: run a WASI program on the merged layers. */
import { Image } from "../../core/image.ts";
import { Union } from "../../core/union.ts";
import { run } from "../../wasi/run.ts";
import { LAYER_OPTIONS, parseCommand, parseCount, parsePairs, splitProgram } from "../args.ts";
import { CliError, UsageError } from "../errors.ts";
import { help } from "../help.ts";
import { hasRoot, overlaps, requireDir } from "../open-union.ts";
import { openCliUnion } from "../image-source.ts";
import type { CliUnion } from "../image-source.ts";
import { imageProgram } from "../image-run.ts";
import type { CliRuntime } from "../runtime.ts";

const OPTIONS = {
  ...LAYER_OPTIONS,
  env: { type: "string", multiple: true },
  cwd: { type: "string" },
  dir: { type: "string", multiple: true },
  scratch: { type: "boolean" },
  "allow-absolute-symlinks": { type: "boolean" },
  "quota-bytes": { type: "string" },
  "quota-inodes": { type: "string" },
} as const;

const VALUE_OPTIONS = new Set(["image", "cache", "layer", "upper", "env", "cwd", "dir", "quota-bytes", "quota-inodes"]);

/** The four bytes every WebAssembly binary starts with: "\0asm". */
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

export async function runCommand(args: string[], rt: CliRuntime): Promise<number> {
  const { own, program } = splitProgram(args, VALUE_OPTIONS);
  const { values, positionals } = parseCommand("run", own, OPTIONS);
  if (values.help) return help(rt, "run");
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, "run");
  const [programPath, ...programArgs] = program;
  // With --image, no PROGRAM runs the image's Entrypoint + Cmd.
  if (programPath === undefined && values.image === undefined) throw new UsageError("missing PROGRAM.wasm", "run");
  const envPairs = parsePairs("run", "--env", values.env);
  const env = Object.fromEntries(envPairs);
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
  if (values.scratch && (values.layer !== undefined || values.upper !== undefined)) {
    throw new UsageError("--scratch is an empty root: it cannot be combined with --layer or --upper", "run");
  }
  if (values.scratch && values.image !== undefined) {
    throw new UsageError("--scratch is an empty root: it cannot be combined with --image", "run");
  }
  const rooted = hasRoot(values);
  if (values.cwd !== undefined && !rooted) {
    throw new UsageError("--cwd needs a root: give --image, --layer, --upper or --scratch", "run");
  }
  const quota = {
    ...(values["quota-bytes"] !== undefined ? { bytes: parseCount("run", "--quota-bytes", values["quota-bytes"], 1024) } : {}),
    ...(values["quota-inodes"] !== undefined ? { inodes: parseCount("run", "--quota-inodes", values["quota-inodes"], 1000) } : {}),
  };
  if (Object.keys(quota).length > 0 && !rooted) {
    throw new UsageError("--quota-bytes/--quota-inodes limit the writable layer: give --image, --layer, --upper or --scratch", "run");
  }

  // Without --image PROGRAM is a host file; with it, a path inside the image (read later from the union).
  // Its checks run now, its compile (off the main thread) while the layers open: about 0.3 ms of a
  // 64-layer run's wall time in a process that compiled it before, more in a fresh one. Not when
  // opening would create the upper: a program that does not compile leaves nothing behind.
  const bytes = values.image === undefined ? readModule(rt, programPath!) : undefined;
  const compiling = bytes !== undefined ? compileModule(programPath!, bytes) : undefined;
  compiling?.catch(() => {}); // awaited below, first on every path
  if (compiling !== undefined && values.upper !== undefined && rt.kind(values.upper) === undefined) await compiling;
  let opened: CliUnion | undefined;
  try {
    for (const [guest, host] of dirs) {
      requireDir(rt, host, "--dir");
      // Writes through a --dir go straight to the host: never into a layer or the upper.
      for (const [what, dir] of [...(values.layer ?? []).map((l) => ["layer", l]), ...(values.upper === undefined ? [] : [["upper", values.upper]])]) {
        if (overlaps(rt, host, dir!)) throw new CliError(`--dir ${guest}='${host}' overlaps ${what} '${dir}'`);
      }
    }
    opened = rooted ? await openCliUnion(rt, values, true, true, { quota }) : undefined;
  } catch (e) {
    await compiling; // the program's own error comes first, as when it was compiled before anything else
    throw e;
  }
  let hostModule: WebAssembly.Module | undefined;
  try {
    hostModule = await compiling;
  } catch (e) {
    closeUnion(opened);
    throw e;
  }
  const union = opened?.union;
  const preopens: Record<string, Union> = {};
  try {
    for (const [guest, host] of dirs) {
      // A host directory shared with the program: a union of just that directory as
      // its writable layer (writes go straight to it; deletions of its files are real).
      // Shared on purpose, like wasmtime's --dir: not locked.
      preopens[guest] = new Union(new Image([]), rt.upperLayer(rt.resolve(host), false));
    }
  } catch (e) {
    for (const u of Object.values(preopens)) u.close();
    union?.close();
    opened?.close();
    throw e;
  }

  try {
    const plan = hostModule !== undefined
      ? { module: hostModule, args: [programPath!, ...programArgs], env, cwd: values.cwd }
      : await imageProgram(union!, values.image!, opened!.loaded!.config, program, envPairs, values.cwd);
    return await run(plan.module, {
      ...(union !== undefined ? { union } : {}),
      args: plan.args,
      env: plan.env,
      ...(plan.cwd !== undefined ? { cwd: plan.cwd } : {}),
      preopens,
      allowAbsoluteSymlinks: values["allow-absolute-symlinks"] === true,
      ...rt.programStdio,
    });
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) throw new CliError(`${programPath ?? values.image}: the program trapped: ${e.message}`);
    if (e instanceof Error && e.message.startsWith("layerfs run: ")) throw new CliError(e.message.slice(13));
    throw e;
  } finally {
    // Each upper's lock goes, and its work directory (beside it) when empty; lower
    // descriptors, the image's files and layer tarball sources too (closing is idempotent).
    for (const u of Object.values(preopens)) u.close();
    closeUnion(opened);
    // The run is over and nothing reads its memory upper again: its chunk buffers go to
    // the chunk pool, so a later run in this process writes into memory already faulted in.
    union?.dispose();
  }
}

/** Close what openCliUnion opened (idempotent). */
function closeUnion(opened: CliUnion | undefined): void {
  opened?.union.close();
  opened?.union.image.close();
  opened?.close();
}

/** The program's bytes, checked first to be a regular file that is WebAssembly at all. */
function readModule(rt: CliRuntime, path: string): Uint8Array {
  const kind = rt.kind(path);
  if (kind === undefined) throw new CliError(`${path}: no such file`);
  if (kind !== "file") throw new CliError(`${path}: not a regular file`);
  const bytes = rt.readFile(path);
  if (bytes.length < 8 || WASM_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new CliError(`${path}: not a WebAssembly module (no \\0asm magic bytes)`);
  }
  return bytes;
}

async function compileModule(path: string, bytes: Uint8Array): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new CliError(`${path}: invalid WebAssembly module: ${e instanceof Error ? e.message : String(e)}`);
  }
}

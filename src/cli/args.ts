/**
 * Argument parsing for every command, on `node:util` parseArgs (built into
 * Node and Deno, so no dependency). Parse failures become UsageErrors.
 */
import { parseArgs } from "node:util";
import type { ParseArgsConfig } from "node:util";
import { UsageError } from "./errors.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Options every union-reading command takes: the layer stack. */
export const LAYER_OPTIONS = {
  image: { type: "string" },
  cache: { type: "string" },
  layer: { type: "string", multiple: true },
  upper: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies Options;

type Config<O extends Options> = { args: string[]; options: O; allowPositionals: true; strict: true };
/** What parseCommand returns: parseArgs' typed values and positionals. */
export type Parsed<O extends Options> = ReturnType<typeof parseArgs<Config<O>>>;

/** parseArgs in strict mode; its errors become one-line usage errors for `command`. */
export function parseCommand<O extends Options>(command: string, args: string[], options: O): Parsed<O> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(cleanParseMessage(e), command);
  }
}

/** "Unknown option '--x'. To specify a positional..." -> "unknown option '--x'". */
function cleanParseMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const first = message.split(/\.\s/)[0]!.replace(/\.$/, "");
  return first.charAt(0).toLowerCase() + first.slice(1);
}

/**
 * Split `run`'s arguments into layerfs options and the program's command line:
 * everything from `--`, or from the first positional argument, belongs to the
 * program (so `layerfs run prog.wasm -l` passes `-l` to the program).
 */
export function splitProgram(args: string[], valueOptions: ReadonlySet<string>): { own: string[]; program: string[] } {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") return { own: args.slice(0, i), program: args.slice(i + 1) };
    if (!a.startsWith("-") || a === "-") return { own: args.slice(0, i), program: args.slice(i) };
    if (a.startsWith("--") && !a.includes("=") && valueOptions.has(a.slice(2))) i++;
  }
  return { own: args, program: [] };
}

/** Parse `K=V` pairs (for --env); K must be non-empty. */
export function parsePairs(command: string, flag: string, values: readonly string[] | undefined): [string, string][] {
  return (values ?? []).map((v) => {
    const eq = v.indexOf("=");
    if (eq <= 0) throw new UsageError(`${flag} expects NAME=VALUE, got '${v}'`, command);
    return [v.slice(0, eq), v.slice(eq + 1)];
  });
}

const SUFFIXES = ["", "k", "m", "g", "t"];

/**
 * A non-negative count for `flag`: digits with an optional suffix k, M, G or
 * T (any case; `unit` = 1024 for byte sizes, where "KiB"/"MB" spellings are
 * taken too, 1000 for plain counts).
 */
export function parseCount(command: string, flag: string, value: string, unit: 1024 | 1000): number {
  const m = /^(\d+)([kmgt]?)(?:i?b)?$/i.exec(value.trim());
  const n = m === null || (unit === 1000 && /b$/i.test(value.trim())) ? NaN : Number(m[1]) * unit ** SUFFIXES.indexOf(m[2]!.toLowerCase());
  if (!Number.isSafeInteger(n)) {
    const like = unit === 1024 ? "a size like 1048576, 64M or 1G" : "a count like 1000 or 10k";
    throw new UsageError(`${flag} expects ${like}, got '${value}'`, command);
  }
  return n;
}

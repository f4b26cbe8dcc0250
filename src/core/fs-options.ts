/**
 * Arguments of the node:fs-style Union methods, checked the way node reads
 * them: open flag strings ("r", "r+", "w", "wx", "a+", ...) turned into
 * OpenOptions, option objects with only known keys, encodings, modes. Anything
 * else is EINVAL with a message naming it, never silently ignored (a
 * `{ flag: "a" }` that truncated instead of appending was the bug).
 */
import { Errno, FsError } from "./errno.ts";

/** What a node flag string means (the OpenOptions part of it plus read/append). */
export interface FlagOpen {
  read: boolean;
  write: boolean;
  append: boolean;
  create: boolean;
  exclusive: boolean;
  truncate: boolean;
}

const R: FlagOpen = { read: true, write: false, append: false, create: false, exclusive: false, truncate: false };
const flag = (f: Partial<FlagOpen>): FlagOpen => Object.freeze({ ...R, ...f });
const RW = flag({ write: true });
const W = flag({ read: false, write: true, create: true, truncate: true });
const WX = flag({ read: false, write: true, create: true, truncate: true, exclusive: true });
const WP = flag({ write: true, create: true, truncate: true });
const WXP = flag({ write: true, create: true, truncate: true, exclusive: true });
const A = flag({ read: false, write: true, append: true, create: true });
const AX = flag({ read: false, write: true, append: true, create: true, exclusive: true });
const AP = flag({ write: true, append: true, create: true });
const AXP = flag({ write: true, append: true, create: true, exclusive: true });

/** node's flag strings (fs.constants docs, "File system flags"); the s variants are synchronous anyway here. */
const FLAGS: ReadonlyMap<string, FlagOpen> = new Map([
  ["r", R], ["rs", R], ["sr", R],
  ["r+", RW], ["rs+", RW], ["sr+", RW],
  ["w", W], ["wx", WX], ["xw", WX],
  ["w+", WP], ["wx+", WXP], ["xw+", WXP],
  ["a", A], ["as", A], ["sa", A], ["ax", AX], ["xa", AX],
  ["a+", AP], ["as+", AP], ["sa+", AP], ["ax+", AXP], ["xa+", AXP],
]);

function invalid(sys: string, path: string | undefined, detail: string): FsError {
  return new FsError(Errno.INVAL, sys, path, detail);
}

/** A node flag string -> what it opens. EINVAL for anything else (numbers included: O_* values are host-specific). */
export function parseFlag(value: unknown, sys: string, path?: string): FlagOpen {
  const f = typeof value === "string" ? FLAGS.get(value) : undefined;
  if (f === undefined) {
    throw invalid(sys, path, `invalid flag ${describe(value)} (one of ${[...FLAGS.keys()].join(", ")})`);
  }
  return f;
}

/**
 * `options` must be undefined/null or an object with no keys outside
 * `known`; returns it as a record (empty when absent).
 */
export function checkOptions(options: unknown, known: readonly string[], sys: string, path?: string): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object" || Array.isArray(options)) throw invalid(sys, path, `options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw invalid(sys, path, `unknown option '${key}'${known.length > 0 ? ` (known: ${known.join(", ")})` : " (takes none)"}`);
    }
  }
  return options as Record<string, unknown>;
}

/** An optional boolean option. */
export function boolOption(o: Record<string, unknown>, key: string, sys: string, path?: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || typeof v === "boolean") return v;
  throw invalid(sys, path, `option '${key}' must be a boolean, got ${describe(v)}`);
}

/** The only text encoding supported: utf8 ("utf8"/"utf-8", any case). null/undefined: bytes. */
export function encodingOf(value: unknown, sys: string, path?: string): "utf8" | undefined {
  if (value === undefined || value === null || value === "buffer") return undefined;
  if (typeof value === "string" && /^utf-?8$/i.test(value)) return "utf8";
  throw invalid(sys, path, `unsupported encoding ${describe(value)} (utf8 only)`);
}

/**
 * A permission mode as node takes it: an integer 0..0o37777777777 or an octal
 * string ("755"); returns the permission bits (0o7777).
 */
export function modeOf(value: unknown, sys: string, path?: string): number {
  let n: number | undefined;
  if (typeof value === "number") n = value;
  else if (typeof value === "string" && /^[0-7]+$/.test(value)) n = parseInt(value, 8);
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw invalid(sys, path, `mode must be an integer or an octal string, got ${describe(value)}`);
  }
  return n & 0o7777;
}

/** uid/gid: an integer from -1 (unchanged) to 2^32-1. */
export function idOf(value: unknown, what: string, sys: string, path?: string): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= -1 && value <= 0xffffffff) return value;
  throw invalid(sys, path, `${what} must be an integer >= -1, got ${describe(value)}`);
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return `${v}n`;
  if (v === null || typeof v !== "object") return String(v);
  return Array.isArray(v) ? "an array" : "an object";
}

/** node:fs time argument (seconds or Date) to nanoseconds. */
export function toNs(t: number | Date): bigint {
  // An invalid Date has NaN time: EINVAL, not BigInt's RangeError.
  if (t instanceof Date) {
    const ms = t.getTime();
    if (!Number.isFinite(ms)) throw new FsError(Errno.INVAL, "utimes");
    return BigInt(ms) * 1_000_000n;
  }
  if (typeof t !== "number" || !Number.isFinite(t)) throw new FsError(Errno.INVAL, "utimes");
  return BigInt(Math.round(t * 1e6)) * 1000n;
}

/**
 * Runs a CommonJS bundle through node:vm with a V8 code cache kept beside it:
 * the bytecode of every function in the bundle, so a process neither parses
 * the bundle nor compiles any of its functions. Node 20 has no code cache for
 * ES modules (Node 22's module.enableCompileCache), hence a CommonJS bundle,
 * run by hand as Node's own loader would run it.
 *
 * The first process without a sound cache compiles the whole bundle eagerly
 * (V8's --no-lazy for that one compile, as the v8-compile-cache package does)
 * and writes the cache: ~30 ms once, so that no later run of any command meets
 * a function V8 has to compile. Measured on `layerfs run --layer` (2 cores,
 * tmpfs): a trivial guest's process ends 16 ms sooner (86 -> 70 ms from
 * process start), and a one-shot 4 KiB pwrite into a 256 MiB lower file takes
 * 0.58 ms of guest time instead of 2.59 ms.
 *
 * V8 checks a cache's version and flags, but of the source only its length,
 * and not its payload at all (outside debug builds): a cache with a sound
 * header and damaged bytes crashes the process, and one made for another
 * bundle of the same length runs that bundle's code. So each cache file
 * carries the CRC-32 of the bundle it was made from and its own length and
 * CRC-32, and is used only if all three match; anything else is rewritten.
 * The file sits beside the bundle, so whoever can change it could change the
 * bundle itself; where that directory is read-only there is simply no cache.
 */
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Script } from "node:vm";
import * as zlib from "node:zlib";

/** What became of the cache when the bundle was loaded. */
export type CodeCacheState =
  | "off" // caching disabled (LAYERFS_CODE_CACHE=0, or no zlib.crc32 to check a cache with)
  | "hit" // the cache was sound and V8 took it
  | "made" // there was none: the bundle was compiled whole and its cache written (if the directory let us)
  | "rejected" // sound, but made from another bundle, or V8 refused it (other Node or V8 flags): made again
  | "damaged"; // wrong magic, length or checksum: never handed to V8, made again

export interface LoadedBundle {
  /** The bundle's `module.exports`. */
  readonly exports: Record<string, unknown>;
  readonly state: CodeCacheState;
  /** The cache file's path ("" when off). */
  readonly cacheFile: string;
}

const MAGIC = new TextEncoder().encode("LFSV8CC1");
/** magic, then u32 LE: CRC-32 of the payload, payload length, CRC-32 of the bundle it was made from. */
const HEADER = MAGIC.length + 12;
/** A cache file larger than this is not read (the CLI's is about 1 MB). */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

type Crc32 = (data: Uint8Array) => number;
/** zlib.crc32 (Node >= 20.15 and 22.2); without it no cache is ever trusted. */
const crc32 = (zlib as { crc32?: Crc32 }).crc32;

/**
 * Load `bundle` (a CommonJS file) with its code cache, or without one when
 * `LAYERFS_CODE_CACHE=0`.
 */
export function loadBundle(bundle: string, env: Record<string, string | undefined> = process.env): LoadedBundle {
  const bytes = readFileSync(bundle);
  // esbuild writes ASCII (non-ASCII escaped): latin1 makes the one-byte string without UTF-8 decoding.
  const source = bytes.toString("latin1");
  // Node's own CommonJS wrapper, so the bundle sees what require() would give it.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const off = env.LAYERFS_CODE_CACHE === "0" || crc32 === undefined;
  const cacheFile = off ? "" : `${bundle}.${process.version}-${process.arch}-${flagsKey(env)}.v8cache`;
  let state: CodeCacheState = "off";
  let script: Script | undefined;
  if (!off) {
    const sourceSum = crc32!(bytes) >>> 0; // 0.1 ms for the CLI's 660 KB
    const found = readCache(cacheFile, sourceSum);
    if (found instanceof Uint8Array) {
      script = new Script(wrapped, { filename: bundle, cachedData: found });
      state = script.cachedDataRejected === true ? "rejected" : "hit";
    } else {
      state = found ?? "made";
    }
    if (state !== "hit") {
      // When V8 refused the cache, `script` is the source compiled lazily, and a compile of the
      // same source and name would return it from V8's in-process cache instead of compiling it
      // whole (the cache made would hold a tenth of the functions): that compile goes under
      // another name (a code cache does not depend on it), and this process runs `script`.
      const whole = compileWhole(wrapped, script === undefined ? bundle : `${bundle} (whole)`);
      writeCache(cacheFile, whole.createCachedData(), sourceSum);
      script ??= whole;
    }
  }
  script ??= new Script(wrapped, { filename: bundle });
  const module = { exports: {} as Record<string, unknown> };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return { exports: module.exports, state, cacheFile };
}

/** Compile every function of `wrapped` now (not at its first call), so the cache holds them all. */
function compileWhole(wrapped: string, filename: string): Script {
  if (process.execArgv.includes("--no-lazy")) return new Script(wrapped, { filename });
  const v8 = createRequire(import.meta.url)("node:v8") as typeof import("node:v8");
  v8.setFlagsFromString("--no-lazy");
  try {
    return new Script(wrapped, { filename });
  } finally {
    v8.setFlagsFromString("--lazy");
  }
}

/**
 * V8 refuses a cache made under other V8 flags: one cache per set of node
 * flags (execArgv, NODE_OPTIONS), so runs with and without them do not
 * overwrite each other's. FNV-1a of the flags, in hex.
 */
function flagsKey(env: Record<string, string | undefined>): string {
  const flags = `${process.execArgv.join(" ")}\n${env.NODE_OPTIONS ?? ""}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < flags.length; i++) h = Math.imul(h ^ flags.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** The payload of a sound cache file made from the bundle with CRC-32 `sourceSum`; undefined if there is none. */
function readCache(file: string, sourceSum: number): Uint8Array | undefined | "damaged" | "rejected" {
  let bytes: Uint8Array;
  try {
    // Only a regular file of sane size: a FIFO would block the read, a huge file fill memory.
    const st = statSync(file);
    if (!st.isFile() || st.size > MAX_CACHE_BYTES) return "damaged";
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length < HEADER || MAGIC.some((b, i) => bytes[i] !== b)) return "damaged";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sum = view.getUint32(MAGIC.length, true);
  const length = view.getUint32(MAGIC.length + 4, true);
  if (length !== bytes.length - HEADER) return "damaged";
  const payload = bytes.subarray(HEADER);
  if (crc32!(payload) >>> 0 !== sum) return "damaged";
  return view.getUint32(MAGIC.length + 8, true) === sourceSum ? payload : "rejected";
}

/** Write a cache file whole or not at all (a temporary file renamed over it); a directory that refuses it means no cache. */
function writeCache(file: string, payload: Uint8Array, sourceSum: number): void {
  const bytes = new Uint8Array(HEADER + payload.length);
  bytes.set(MAGIC);
  const view = new DataView(bytes.buffer);
  view.setUint32(MAGIC.length, crc32!(payload) >>> 0, true);
  view.setUint32(MAGIC.length + 4, payload.length, true);
  view.setUint32(MAGIC.length + 8, sourceSum, true);
  bytes.set(payload, HEADER);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, bytes, { flag: "wx", mode: 0o644 });
    renameSync(temp, file);
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // nothing was written
    }
  }
}

/**
 * Parsing of tar header blocks and extended headers: ustar (POSIX.1-1988),
 * GNU (old GNU magic, base-256 numbers, `L`/`K` long names) and PAX
 * (POSIX.1-2001 `x`/`g` records). Pure functions over bytes; the indexer
 * (index.ts) decides what the entries mean.
 */
import { TarError } from "./errors.ts";

export const BLOCK = 512;
/** Cap on one PAX or GNU long-name payload: metadata, never content (Go's archive/tar uses the same 1 MiB). */
export const MAX_META_BYTES = 1 << 20;

/** The raw fields of one header block that the indexer uses. */
export interface RawHeader {
  /** Typeflag character ("\0" for old-style regular files). */
  type: string;
  name: string;
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeSec: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const lenient = new TextDecoder("utf-8");

/** The PAX keys the indexer reads (plus GNU.sparse.*, to refuse sparse files). */
const PAX_KEYS = new Set(["path", "linkpath", "size", "mtime", "atime", "ctime", "uid", "gid"]);

/** Is the block all zeros (end-of-archive marker)? */
export function isZeroBlock(b: Uint8Array): boolean {
  if (b[0] !== 0 || b[148] !== 0) return false; // a real header has a name or at least a checksum
  for (let i = 0; i < BLOCK; i += 8) {
    if ((b[i]! | b[i + 1]! | b[i + 2]! | b[i + 3]! | b[i + 4]! | b[i + 5]! | b[i + 6]! | b[i + 7]!) !== 0) return false;
  }
  return true;
}

/** Does the checksum field match (unsigned sum, or the signed sum some old tars wrote)? */
export function checksumOk(b: Uint8Array, offset: number): boolean {
  let unsigned = 8 * 0x20; // the checksum field counts as spaces
  let high = 0; // bytes > 127, for the signed sum
  for (let i = 0; i < 148; i++) {
    const v = b[i]!;
    unsigned += v;
    if (v > 127) high++;
  }
  for (let i = 156; i < BLOCK; i++) {
    const v = b[i]!;
    unsigned += v;
    if (v > 127) high++;
  }
  const signed = unsigned - 256 * high;
  let want: number;
  try {
    want = parseNumber(b, 148, 8, offset, "checksum");
  } catch {
    return false; // not even a number: not a header
  }
  return want === unsigned || want === signed;
}

/** Decode a NUL-terminated text field as UTF-8 (TarError on invalid UTF-8). */
export function textField(b: Uint8Array, start: number, len: number, offset: number, what: string): string {
  let end = start;
  const stop = start + len;
  let ascii = true;
  while (end < stop && b[end] !== 0) {
    if (b[end]! > 127) ascii = false;
    end++;
  }
  if (end === start) return "";
  if (ascii) return String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
  return decodeUtf8(b.subarray(start, end), offset, what);
}

export function decodeUtf8(bytes: Uint8Array, offset: number, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new TarError(offset, latin1Preview(bytes), `${what} is not valid UTF-8`);
  }
}

/** A printable rendering of undecodable bytes for error messages. */
function latin1Preview(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length && i < 100; i++) s += bytes[i]! < 128 ? String.fromCharCode(bytes[i]!) : `\\x${bytes[i]!.toString(16)}`;
  return s;
}

/**
 * A numeric field: octal (spaces/NULs around it) or GNU base-256 (high bit of
 * the first byte set). TarError for garbage, negative base-256 values and
 * values past 2**53 (no exact JS number).
 */
export function parseNumber(b: Uint8Array, start: number, len: number, offset: number, what: string): number {
  const first = b[start]!;
  if (first & 0x80) {
    if (first === 0xff) throw new TarError(offset, "", `negative base-256 ${what}`);
    let v = first & 0x7f;
    for (let i = start + 1; i < start + len; i++) {
      v = v * 256 + b[i]!;
      if (v > Number.MAX_SAFE_INTEGER) throw new TarError(offset, "", `base-256 ${what} exceeds 2**53`);
    }
    return v;
  }
  let i = start;
  const stop = start + len;
  while (i < stop && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  for (; i < stop; i++) {
    const c = b[i]!;
    if (c >= 0x30 && c <= 0x37) {
      v = v * 8 + (c - 0x30);
    } else if (c === 0x20 || c === 0) {
      break;
    } else {
      throw new TarError(offset, "", `${what} field is not an octal number`);
    }
  }
  for (; i < stop; i++) {
    if (b[i] !== 0x20 && b[i] !== 0) throw new TarError(offset, "", `${what} field is not an octal number`);
  }
  if (v > Number.MAX_SAFE_INTEGER) throw new TarError(offset, "", `octal ${what} exceeds 2**53`);
  return v;
}

/** Parse one 512-byte header block (checksum verified by the caller). */
export function parseHeader(b: Uint8Array, offset: number): RawHeader {
  const type = String.fromCharCode(b[156]!);
  let name = textField(b, 0, 100, offset, "name");
  // ustar (magic "ustar\0"): a prefix field extends the name. Old GNU ("ustar  \0") uses that area for other things.
  if (b[257] === 0x75 && b[258] === 0x73 && b[259] === 0x74 && b[260] === 0x61 && b[261] === 0x72 && b[262] === 0) {
    const prefix = textField(b, 345, 155, offset, "name prefix");
    if (prefix !== "") name = prefix + "/" + name;
  }
  try {
    return {
      type,
      name,
      linkname: textField(b, 157, 100, offset, "link name"),
      mode: parseNumber(b, 100, 8, offset, "mode"),
      uid: parseNumber(b, 108, 8, offset, "uid"),
      gid: parseNumber(b, 116, 8, offset, "gid"),
      size: parseNumber(b, 124, 12, offset, "size"),
      mtimeSec: parseNumber(b, 136, 12, offset, "mtime"),
    };
  } catch (e) {
    if (e instanceof TarError && e.entry === "") throw new TarError(offset, name, e.reason);
    throw e;
  }
}

/** PAX records by key (only the keys in PAX_KEYS; others are ignored, as POSIX says). */
export type PaxRecords = Map<string, string>;

/**
 * Parse PAX extended-header records ("%d %s=%s\n", the length counting the
 * whole record). Into `into` (so global headers accumulate); an empty value
 * deletes the key. TarError on a malformed record.
 */
export function parsePax(data: Uint8Array, offset: number, into: PaxRecords): void {
  let pos = 0;
  while (pos < data.length) {
    // Trailing NUL padding after the last record is tolerated (some writers pad).
    if (data[pos] === 0) {
      for (let i = pos; i < data.length; i++) if (data[i] !== 0) throw new TarError(offset, "", "PAX header has data after NUL padding");
      return;
    }
    let len = 0;
    let i = pos;
    while (i < data.length && data[i]! >= 0x30 && data[i]! <= 0x39 && i - pos < 8) len = len * 10 + (data[i++]! - 0x30);
    if (i === pos || data[i] !== 0x20) throw new TarError(offset, "", `PAX record at byte ${pos} has no valid length`);
    if (len <= i - pos + 1 || pos + len > data.length) throw new TarError(offset, "", `PAX record at byte ${pos} has a bad length ${len}`);
    const end = pos + len;
    if (data[end - 1] !== 0x0a) throw new TarError(offset, "", `PAX record at byte ${pos} does not end with a newline`);
    const rec = data.subarray(i + 1, end - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw new TarError(offset, "", `PAX record at byte ${pos} has no key=value`);
    const key = lenient.decode(rec.subarray(0, eq));
    // Only keys the indexer uses are decoded: others (SCHILY.xattr.* values are raw bytes) are skipped.
    if (PAX_KEYS.has(key) || key.startsWith("GNU.sparse.")) {
      const value = decodeUtf8(rec.subarray(eq + 1), offset, `PAX ${key}`);
      if (value === "") into.delete(key);
      else into.set(key, value);
    }
    pos = end;
  }
}

/** A PAX time ("1700000000.123456789", optionally negative) in ns; undefined if malformed. */
export function paxTimeNs(v: string): bigint | undefined {
  const m = /^(-?)(\d{1,19})(?:\.(\d*))?$/.exec(v);
  if (!m) return undefined;
  const frac = (m[3] ?? "").slice(0, 9).padEnd(9, "0");
  const ns = BigInt(m[2]!) * 1_000_000_000n + BigInt(frac);
  return m[1] ? -ns : ns;
}

/** A PAX decimal integer (size, uid, gid); undefined if malformed or past 2**53. */
export function paxInteger(v: string): number | undefined {
  if (!/^\d{1,16}$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

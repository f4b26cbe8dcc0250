/**
 * Union path syntax: validation and splitting (no lookup here; see resolve.ts).
 * Limits follow Linux: NAME_MAX 255 bytes per component, PATH_MAX 4096 bytes.
 */
import { Errno, FsError } from "./errno.ts";

const NAME_MAX = 255;
export const PATH_MAX = 4096;

/** A validated path: its components (may contain "." and "..") and whether it ended in "/". */
export interface ParsedPath {
  readonly absolute: boolean;
  readonly components: string[];
  readonly trailingSlash: boolean;
}

/** UTF-8 byte length of a string (lone surrogates count as 3 bytes, as TextEncoder writes U+FFFD). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a pair: 2 UTF-16 units, 4 bytes
      i++;
    } else n += 2;
  }
  return n;
}

/**
 * Check and split a path. Empty: ENOENT. NUL: EINVAL. Over PATH_MAX bytes or a
 * component over NAME_MAX bytes: ENAMETOOLONG. Empty components ("a//b") vanish.
 */
export function parsePath(path: string, syscall?: string): ParsedPath {
  if (typeof path !== "string") throw new FsError(Errno.INVAL, syscall, String(path), "path must be a string");
  if (path.length === 0) throw new FsError(Errno.NOENT, syscall, path);
  if (path.indexOf("\0") >= 0) throw new FsError(Errno.INVAL, syscall, path, "NUL in path");
  // Cheap upper bound first: a string of n units is at most 3n bytes.
  if (path.length * 3 > PATH_MAX && utf8Length(path) > PATH_MAX) {
    throw new FsError(Errno.NAMETOOLONG, syscall, path);
  }
  const components: string[] = [];
  let start = 0;
  const len = path.length;
  while (start <= len) {
    let end = path.indexOf("/", start);
    if (end < 0) end = len;
    if (end > start) {
      const name = path.slice(start, end);
      if (name.length * 3 > NAME_MAX && utf8Length(name) > NAME_MAX) {
        throw new FsError(Errno.NAMETOOLONG, syscall, path);
      }
      components.push(name);
    }
    start = end + 1;
  }
  return {
    absolute: path.charCodeAt(0) === 47,
    components,
    trailingSlash: len > 0 && path.charCodeAt(len - 1) === 47,
  };
}

/**
 * Where the last component of `path` starts (after its last "/"), when `path`
 * is plain: absolute, every component a plain name (no empty, "." or ".."
 * one, nor any other starting with "."), no NUL, no trailing slash, within
 * PATH_MAX and its last name within NAME_MAX (a quick bound: the other names
 * are checked by whoever matches them). -1 otherwise: parsePath is the
 * reference and takes every path.
 */
export function plainLastName(path: string): number {
  const len = path.length;
  if (len < 2 || path.charCodeAt(0) !== 47 || len * 3 > PATH_MAX) return -1;
  // One pass (three indexOf scans cost more): `at` is where the current component starts.
  let at = 1;
  for (let i = 1; i < len; i++) {
    const c = path.charCodeAt(i);
    if (c === 47 /* / */) {
      if (i === at) return -1; // an empty component
      at = i + 1;
    } else if ((c === 46 /* . */ && i === at) || c === 0) return -1;
  }
  return at === len || (len - at) * 3 > NAME_MAX ? -1 : at;
}

/** Order names by UTF-8 bytes (= code point order), not UTF-16 units. */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

// Surrogates (U+D800..DFFF) encode code points above U+FFFF: rank them above U+E000..FFFF.
function codePointRank(u: number): number {
  if (u < 0xd800) return u;
  if (u <= 0xdfff) return u + 0x2000;
  return u - 0x800;
}

/** Is `path` (layer form) equal to `dir` or inside it? */
export function isWithin(path: string, dir: string): boolean {
  if (dir === "") return true;
  return path === dir || (path.length > dir.length && path.startsWith(dir) && path.charCodeAt(dir.length) === 47);
}

/**
 * Guest path arguments: decoding from wasm memory and confinement to the
 * directory fd they are relative to. The union resolves symlinks inside its
 * own root; here we refuse paths that name something above the dir fd
 * lexically (absolute paths, or more ".." than components), as wasi-libc
 * and the preview1 capability model expect.
 */
import { Errno, FsError } from "../core/errno.ts";
import { lastSlash } from "../core/layer.ts";
import { PATH_MAX } from "../core/path.ts";

/** Longest path argument accepted: the union's (Linux PATH_MAX). */
export { PATH_MAX };

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Decode a path argument: NUL anywhere -> EINVAL, empty -> ENOENT, bad UTF-8 -> EILSEQ. */
export function decodeGuestPath(bytes: Uint8Array): string {
  const n = bytes.length;
  if (n === 0) throw new FsError(Errno.NOENT);
  if (n > PATH_MAX) throw new FsError(Errno.NAMETOOLONG);
  if (n <= 255) {
    // ASCII paths (nearly all): no copy, no TextDecoder call.
    let i = 0;
    for (; i < n; i++) {
      const b = bytes[i]!;
      if (b === 0) throw new FsError(Errno.INVAL);
      if (b >= 0x80) break;
    }
    if (i === n) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  if (bytes.indexOf(0) >= 0) throw new FsError(Errno.INVAL);
  try {
    // slice(): TextDecoder refuses views of shared memory.
    return decoder.decode(bytes.slice());
  } catch {
    throw new FsError(Errno.ILSEQ);
  }
}

/**
 * The union path that `rel` names inside directory `dirPath` (canonical,
 * absolute). `rel` keeps its trailing slash (the union checks it names a
 * directory) and its "."/".." (the union resolves them after symlinks).
 */
export function resolveUnder(dirPath: string, rel: string, escapeErrno: number = Errno.NOTCAPABLE): string {
  confine(rel, 0, escapeErrno);
  return dirPath === "/" ? "/" + rel : dirPath + "/" + rel;
}

/** Refuse the relative path at `s[from..]` if it leaves its directory lexically (absolute, or more ".." than components). */
function confine(s: string, from: number, escapeErrno: number): void {
  if (s.charCodeAt(from) === 47 /* / */) throw new FsError(escapeErrno, undefined, s.slice(from), "absolute path");
  let start = from;
  let depth = 0;
  const n = s.length;
  while (start <= n) {
    let end = s.indexOf("/", start);
    if (end < 0) end = n;
    const len = end - start;
    if (len === 2 && s.charCodeAt(start) === 46 && s.charCodeAt(start + 1) === 46) {
      if (--depth < 0) throw new FsError(escapeErrno, undefined, s.slice(from), "path leaves its directory");
    } else if (len > 0 && !(len === 1 && s.charCodeAt(start) === 46)) {
      depth++;
    }
    start = end + 1;
  }
}

/**
 * Char codes of the path guestPathUnder is decoding, one packed array per
 * length, filled whole by each call (calls never overlap): setting an
 * array's length is a runtime call in V8. Bounded: lengths up to 511, about
 * 1 MiB if every one is ever used.
 */
const codesOfLength: number[][] = [];

function codesFor(length: number): number[] {
  let codes = codesOfLength[length];
  if (codes === undefined) {
    codes = [];
    for (let i = 0; i < length; i++) codes.push(0);
    codesOfLength[length] = codes;
  }
  return codes;
}

/**
 * resolveUnder(dirPath, decodeGuestPath(bytes)) for the `len` bytes at `ptr`
 * of guest memory `mem` (RangeError outside it, before any other error),
 * with the same errors in the same order. An ASCII argument (nearly all)
 * becomes the union path in one flat string straight from memory: no view of
 * it, no concatenation (a concatenated path is a cons string, which the
 * union's parsePath would flatten into a second copy).
 */
export function guestPathUnder(mem: Uint8Array, ptr: number, len: number, dirPath: string, escapeErrno: number): string {
  const p = ptr >>> 0;
  const n = len >>> 0;
  if (p + n > mem.length) throw new RangeError("path outside memory");
  const pre = dirPath === "/" ? 1 : dirPath.length + 1;
  if (n > 0 && n <= 255 && pre <= 256) {
    const codes = codesFor(pre + n);
    let i = 0;
    for (; i < n; i++) {
      const b = mem[p + i]!;
      if (b === 0) throw new FsError(Errno.INVAL);
      if (b >= 0x80) break;
      codes[pre + i] = b;
    }
    if (i === n) {
      for (let k = 0; k < pre - 1; k++) codes[k] = dirPath.charCodeAt(k);
      codes[pre - 1] = 47; // "/"
      const full = String.fromCharCode.apply(null, codes);
      confine(full, pre, escapeErrno);
      return full;
    }
  }
  return resolveUnder(dirPath, decodeGuestPath(mem.subarray(p, p + n)), escapeErrno);
}

/** Last component of a relative path, ignoring trailing slashes ("a/b//" -> "b"). */
export function lastComponent(rel: string): string {
  let end = rel.length;
  while (end > 0 && rel.charCodeAt(end - 1) === 47) end--;
  const i = lastSlash(rel, end);
  return rel.slice(i + 1, end);
}

/** Parent of a canonical absolute union path ("/" for "/" itself). */
export function parentOf(path: string): string {
  const i = lastSlash(path);
  return i <= 0 ? "/" : path.slice(0, i);
}

/** Throw `errno` when the last component of `rel` is "." or ".." (names a create, link or unlink cannot act on). */
export function refuseDotLast(rel: string, errno: number): void {
  const last = lastComponent(rel);
  if (last === "." || last === "..") throw new FsError(errno);
}

/**
 * path_symlink's old path: an absolute target is EPERM unless `allow` (the
 * WASI filesystem spec: symlink-at with an absolute old path is
 * not-permitted). Container-style hosts allow it; the union resolves such a
 * link inside its root either way (SEMANTICS.md rule 14).
 */
export function refuseAbsoluteTarget(target: string, allow: boolean): void {
  if (!allow && target.charCodeAt(0) === 47 /* / */) {
    throw new FsError(Errno.PERM, "symlink", target, "absolute symlink target (allowAbsoluteSymlinks permits it)");
  }
}

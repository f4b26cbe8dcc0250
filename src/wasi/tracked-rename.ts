/**
 * path_rename's shared part (dispatcher and browser_wasi_shim adapter): the
 * "."/".." check, one atomic union rename, and where a moved directory went,
 * so open directory fds (which hold a path, not an inode) can follow it.
 */
import { Errno } from "../core/errno.ts";
import type { Union } from "../core/union.ts";
import { refuseDotLast } from "./paths.ts";

/** A directory that moved: canonical union paths before and after. */
export interface Moved {
  from: string;
  to: string;
}

/** Rename union path `from` to `to` (`relFrom`/`relTo` as the guest wrote them); EBUSY for "." or "..". */
export function renameTracked(union: Union, from: string, to: string, relFrom: string, relTo: string): Moved | undefined {
  refuseDotLast(relFrom, Errno.BUSY);
  refuseDotLast(relTo, Errno.BUSY);
  let moved: string | undefined;
  try {
    if (union.lstat(from).type === "dir") moved = union.realpath(from, false);
  } catch {
    // rename below reports the error
  }
  union.rename(from, to);
  return moved !== undefined && moved !== "/" ? { from: moved, to: union.realpath(to, false) } : undefined;
}

/** Where directory path `path` is after `m` (itself when not at or under the moved directory). */
export function afterMove(path: string, m: Moved): string {
  if (path === m.from) return m.to;
  if (path.startsWith(m.from + "/")) return m.to + path.slice(m.from.length);
  return path;
}

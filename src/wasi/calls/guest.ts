/**
 * What every syscall group works on: the guest's descriptor table and
 * memory, and the two path policies of this host. Plus the lookups the
 * path-taking calls share: a directory descriptor, a path argument.
 */
import { Errno, FsError } from "../../core/errno.ts";
import type { FdTable, DirDescriptor } from "../fd-table.ts";
import type { GuestMemory } from "../guest-memory.ts";
import { decodeGuestPath, guestPathUnder } from "../paths.ts";
import { requireRights } from "../rights.ts";
import { fail } from "../fd-io.ts";
export { fail };

export interface Guest {
  readonly fds: FdTable;
  readonly memory: GuestMemory;
  /** Errno for a path argument that leaves its directory fd. */
  readonly escapeErrno: number;
  /** path_symlink may store absolute targets. */
  readonly allowAbsoluteSymlinks: boolean;
}


/** The directory open at `fd` (ENOTDIR for any other kind). */
export function dirAt(g: Guest, fd: number): DirDescriptor {
  const h = g.fds.get(fd >>> 0);
  if (h.kind !== "dir") fail(Errno.NOTDIR);
  return h;
}

/** A path argument in guest memory, decoded. */
export function guestPath(g: Guest, ptr: number, len: number): string {
  return decodeGuestPath(g.memory.bytes(ptr, len));
}

/** The directory open at `fd`, holding `rights` (checked before its path argument is read). */
export function dirWith(g: Guest, fd: number, rights: number): DirDescriptor {
  const dir = dirAt(g, fd);
  requireRights(dir.rightsBase, rights);
  return dir;
}

/** The union path a path argument names under directory `dir` (decoded and confined: paths.ts). */
export function fullPath(g: Guest, dir: DirDescriptor, ptr: number, len: number): string {
  return guestPathUnder(g.memory.u8(), ptr, len, dir.path, g.escapeErrno);
}

/** The path argument as the guest wrote it, from its union path (`full` is `dir.path` + "/" + it). */
export function relOf(dir: DirDescriptor, full: string): string {
  return full.slice(dir.path === "/" ? 1 : dir.path.length + 1);
}

/** Resolve a path argument against dir fd `fd`, checking `rights` on it. */
export function pathAt(g: Guest, fd: number, ptr: number, len: number, rights: number): { dir: DirDescriptor; rel: string; full: string } {
  const dir = dirWith(g, fd, rights);
  const full = fullPath(g, dir, ptr, len);
  return { dir, rel: relOf(dir, full), full };
}

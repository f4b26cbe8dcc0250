/**
 * path_open for the dispatcher and the browser_wasi_shim adapter: flag
 * validation, the rights checks, the Linux corner cases, and the translation
 * to one union open (OpenOptions). Each caller resolves the path and wraps
 * what it gets back in its own kind of handle.
 */
import { Errno, FsError } from "../core/errno.ts";
import type { Union, UnionFile } from "../core/union.ts";
import { FDFLAGS_ALL, LOOKUPFLAGS, LOOKUPFLAGS_ALL, OFLAGS, OFLAGS_ALL } from "./abi.ts";
import { DIR_RIGHTS, FILE_RIGHTS, RIGHTS, requireRights, rightsFromU64 } from "./rights.ts";

/**
 * Bits of the requested rights that open the file for writing (the copy-up
 * trigger, SEMANTICS.md rule 8). Only FD_WRITE: Go's O_RDONLY open (esbuild)
 * keeps FD_FILESTAT_SET_SIZE and FD_ALLOCATE and must not copy every file it
 * reads up.
 */
const WRITE_RIGHTS = RIGHTS.FD_WRITE;

/** path_open's dirflags/oflags/fdflags, validated. */
export interface OpenFlags {
  directory: boolean;
  create: boolean;
  exclusive: boolean;
  truncate: boolean;
  follow: boolean;
  fdflags: number;
}

/** EINVAL for unknown bits, or O_DIRECTORY with O_CREAT or O_TRUNC. */
export function parseOpenFlags(dirflags: number, oflags: number, fdflags: number): OpenFlags {
  if ((dirflags & ~LOOKUPFLAGS_ALL) !== 0) throw new FsError(Errno.INVAL);
  if ((oflags & ~OFLAGS_ALL) !== 0) throw new FsError(Errno.INVAL);
  if ((fdflags & ~FDFLAGS_ALL) !== 0) throw new FsError(Errno.INVAL);
  const directory = (oflags & OFLAGS.DIRECTORY) !== 0;
  const create = (oflags & OFLAGS.CREAT) !== 0;
  const truncate = (oflags & OFLAGS.TRUNC) !== 0;
  if (directory && (create || truncate)) throw new FsError(Errno.INVAL);
  return {
    directory, create, truncate, exclusive: (oflags & OFLAGS.EXCL) !== 0,
    follow: (dirflags & LOOKUPFLAGS.SYMLINK_FOLLOW) !== 0, fdflags: fdflags & FDFLAGS_ALL,
  };
}

/** The rights path_open needs on its directory fd (checked before the path is looked at). */
export function requireOpenRights(dirRights: number, f: OpenFlags): void {
  requireRights(dirRights, RIGHTS.PATH_OPEN | (f.create ? RIGHTS.PATH_CREATE_FILE : 0));
  // The official suite expects EPERM for O_TRUNC without PATH_FILESTAT_SET_SIZE.
  if (f.truncate && (dirRights & RIGHTS.PATH_FILESTAT_SET_SIZE) === 0) throw new FsError(Errno.PERM);
}

/** What path_open opened: the handle's file, canonical path (for a directory) and rights. */
export interface Opened {
  kind: "file" | "dir";
  file: UnionFile;
  /** A directory's canonical path (path_* calls resolve from it); for a file, the path as opened. */
  path: string;
  rightsBase: number;
  rightsInheriting: number;
}

/** The directory fd a path_open is relative to. */
export interface OpenDir {
  union: Union;
  rightsInheriting: number;
}

/**
 * Rights asked beyond what the directory hands down (for the kind opened).
 * A module function, not a closure per call (under tsx, esbuild's keepNames
 * wraps every closure created in a hot path in an Object.defineProperty call).
 */
function beyond(base: number, inheriting: number, dirInheriting: number, kindRights: number): boolean {
  return (base & kindRights & ~dirInheriting) !== 0 || (inheriting & ~dirInheriting) !== 0;
}

/**
 * Open union path `full` (`rel` as the guest wrote it) from directory `dir`.
 * A directory hands down at most its inheriting rights: asking for more is
 * ENOTCAPABLE (wasi-libc masks its request with them first, so it never asks
 * for more). Rights that mean nothing for the kind opened (path_* rights on a
 * file) are dropped, not refused. `dropWriteOnDirectory`: FD_WRITE asked with
 * O_DIRECTORY is dropped too (the shim adapter) instead of opening the
 * directory for writing, which the union refuses with EISDIR as Linux does.
 */
export function openAt(
  dir: OpenDir, full: string, rel: string, f: OpenFlags, rightsBase: bigint, rightsInheriting: bigint,
  dropWriteOnDirectory = false,
): Opened {
  const union = dir.union;
  const base = rightsFromU64(rightsBase);
  const inheriting = rightsFromU64(rightsInheriting);
  if (beyond(base, inheriting, dir.rightsInheriting, f.directory ? DIR_RIGHTS : FILE_RIGHTS)) throw new FsError(Errno.NOTCAPABLE);
  if (f.create && rel.charCodeAt(rel.length - 1) === 47) {
    // Linux: O_CREAT with a trailing slash is EISDIR once the parent resolves.
    let end = full.length;
    while (end > 1 && full.charCodeAt(end - 1) === 47) end--;
    const parent = full.slice(0, full.lastIndexOf("/", end - 1)) || "/";
    if (union.stat(parent).type !== "dir") throw new FsError(Errno.NOTDIR);
    throw new FsError(Errno.ISDIR);
  }
  if (f.directory && !f.follow) {
    // Linux checks O_DIRECTORY before O_NOFOLLOW: a symlink there is ENOTDIR, not ELOOP.
    let isLink = false;
    try {
      isLink = union.lstat(full).type === "symlink";
    } catch {
      // let open report it
    }
    if (isLink) throw new FsError(Errno.NOTDIR);
  }
  // Write rights or O_TRUNC open the file for writing: the copy-up trigger (SEMANTICS.md rule 8).
  const write = ((base & WRITE_RIGHTS) !== 0 && !(f.directory && dropWriteOnDirectory)) || f.truncate;
  const file = union.open(full, {
    write, create: f.create, exclusive: f.exclusive, truncate: f.truncate, directory: f.directory, follow: f.follow,
  });
  if (file.type === "dir" && (f.create || (!f.directory && beyond(base, inheriting, dir.rightsInheriting, DIR_RIGHTS)))) {
    file.close();
    throw new FsError(f.create ? Errno.ISDIR : Errno.NOTCAPABLE); // Linux: O_CREAT on an existing directory is EISDIR
  }
  if (file.type === "dir") {
    let path: string;
    try {
      path = union.realpath(full, f.follow);
    } catch (e) {
      file.close();
      throw e;
    }
    return { kind: "dir", file, path, rightsBase: base & DIR_RIGHTS, rightsInheriting: inheriting };
  }
  return { kind: "file", file, path: full, rightsBase: base & FILE_RIGHTS, rightsInheriting: inheriting };
}

/**
 * Opening a DirLayer file without following a final symlink: an O_NOFOLLOW
 * open checked by fstat where the host has one, else lstat, open, and an
 * fstat identity check (the descriptor must be the object lstat saw).
 * `.wh.X` standing for an overlayfs char-device whiteout X opens as an empty
 * file. Only regular files are opened.
 */
import { Errno, FsError, errnoOf } from "../../core/errno.ts";
import type { DirCaches } from "./caches.ts";
import { layerError } from "./entries.ts";
import { DirFile, closeQuietly } from "./file.ts";
import type { DirFileOwner } from "./file.ts";
import type { HostStat } from "./host-fs.ts";
import type { HostTree } from "./host-tree.ts";

/**
 * Open regular file `path` (read-only, or read-write with `write`; `created`: the layer has just made it, empty;
 * `knownFile`: the caller just found it in the caches' non-directories, as openNoFollow would).
 */
export function openDirFile(
  layer: DirFileOwner, tree: HostTree, caches: DirCaches, path: string, write: boolean, syscall: string, created = false, knownFile = false,
): DirFile {
  const hp = tree.resolve(path, syscall);
  if (layer.host.openNoFollow === true) return openNoFollow(layer, tree, caches, path, hp, write, syscall, created, knownFile);
  const st = tree.lstatOrUndefined(hp, syscall, path);
  if (!st) {
    const wh = !write ? tree.overlayWhiteout(path, syscall) : undefined;
    if (wh) return new DirFile(layer, -1, hp, false, wh.st);
    throw new FsError(Errno.NOENT, syscall, path);
  }
  if (st.kind === "dir") throw new FsError(Errno.ISDIR, syscall, path);
  if (st.kind === "symlink") throw new FsError(Errno.LOOP, syscall, path);
  if (st.kind !== "file") throw new FsError(Errno.NOENT, syscall, path); // devices, FIFOs: not shown
  let fd: number;
  try { fd = layer.host.open(hp, { write }); } catch (e) { throw layerError(e, syscall, path); }
  try {
    // The descriptor must be the object lstat saw (no swap between the two calls).
    const now = layer.host.fstat(fd);
    if (now.dev !== st.dev || now.ino !== st.ino || now.kind !== "file") {
      throw new FsError(Errno.IO, syscall, path, "path changed while opening");
    }
  } catch (e) {
    closeQuietly(layer.host, fd);
    throw layerError(e, syscall, path);
  }
  return new DirFile(layer, fd, hp, write, st, created);
}

/**
 * openFile where the host's open refuses a final symlink itself (O_NOFOLLOW,
 * O_NONBLOCK): open, then fstat the descriptor (2 host calls instead of
 * lstat + open + fstat). Only regular files are kept open.
 */
function openNoFollow(
  layer: DirFileOwner, tree: HostTree, caches: DirCaches, path: string, hp: string, write: boolean, syscall: string, created: boolean, knownFile: boolean,
): DirFile {
  let fd: number;
  try { fd = layer.host.open(hp, { write }); } catch (e) {
    const errno = errnoOf(e);
    if (errno === Errno.NOENT) {
      const wh = !write ? tree.overlayWhiteout(path, syscall) : undefined;
      if (wh) return new DirFile(layer, -1, hp, false, wh.st);
    }
    // ELOOP: a symlink; ENXIO: a socket or device without driver (not shown: ENOENT).
    throw new FsError(errno === Errno.NXIO || errno === Errno.NOTDIR ? Errno.NOENT : errno, syscall, path);
  }
  // `stat` saw a file or symlink here and nothing changed since: an O_NOFOLLOW open that worked opened that file.
  if (knownFile || caches.nonDirOf(path) !== undefined) return new DirFile(layer, fd, hp, write, undefined, created);
  let st: HostStat;
  try { st = layer.host.fstat(fd); } catch (e) {
    closeQuietly(layer.host, fd);
    throw layerError(e, syscall, path);
  }
  if (st.kind !== "file") {
    closeQuietly(layer.host, fd);
    throw new FsError(st.kind === "dir" ? Errno.ISDIR : Errno.NOENT, syscall, path);
  }
  return new DirFile(layer, fd, hp, write, st, created);
}

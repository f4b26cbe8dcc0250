/**
 * path_* calls: every path argument resolves under its directory fd
 * (paths.ts), with the rights that call needs on it; path_open goes through
 * open.ts and path_rename through tracked-rename.ts, as the shim adapter's do.
 */
import { Errno } from "../../core/errno.ts";
import { FILESTAT_SIZE, LOOKUPFLAGS, LOOKUPFLAGS_ALL } from "../abi.ts";
import { afterMove, renameTracked } from "../tracked-rename.ts";
import type { Descriptor } from "../fd-table.ts";
import { writeStatFilestatTo } from "../filestat.ts";
import { openAt, parseOpenFlags, requireOpenRights } from "../open.ts";
import { lastComponent, refuseAbsoluteTarget, refuseDotLast } from "../paths.ts";
import type { Preview1Calls } from "../preview1.ts";
import { RIGHTS } from "../rights.ts";
import { requestedTimes } from "../times.ts";
import { dirAt, dirWith, fail, fullPath, guestPath, pathAt, relOf } from "./guest.ts";
import type { Guest } from "./guest.ts";

const encoder = new TextEncoder();

type PathCalls = Preview1Calls<
  | "path_create_directory" | "path_filestat_get" | "path_filestat_set_times" | "path_link" | "path_open"
  | "path_readlink" | "path_remove_directory" | "path_rename" | "path_symlink" | "path_unlink_file"
>;

export function pathCalls(g: Guest): PathCalls {
  const { fds, memory } = g;
  return {
    path_create_directory(fd, ptr, len) {
      const { rel, full, dir } = pathAt(g, fd, ptr, len, RIGHTS.PATH_CREATE_DIRECTORY);
      refuseDotLast(rel, Errno.EXIST);
      dir.union.mkdir(full, 0o755);
      return Errno.SUCCESS;
    },

    path_filestat_get(fd, flags, ptr, len, bufPtr) {
      if ((flags & ~LOOKUPFLAGS_ALL) !== 0) fail(Errno.INVAL);
      const dir = dirWith(g, fd, RIGHTS.PATH_FILESTAT_GET);
      const full = fullPath(g, dir, ptr, len);
      memory.view().getUint8((bufPtr >>> 0) + FILESTAT_SIZE - 1); // EFAULT before the lookup
      const st = flags & LOOKUPFLAGS.SYMLINK_FOLLOW ? dir.union.stat(full) : dir.union.lstat(full);
      writeStatFilestatTo(memory, bufPtr >>> 0, st);
      return Errno.SUCCESS;
    },

    path_filestat_set_times(fd, flags, ptr, len, atim, mtim, fst) {
      if ((flags & ~LOOKUPFLAGS_ALL) !== 0) fail(Errno.INVAL);
      const [a, m] = requestedTimes(atim, mtim, fst);
      const { dir, full } = pathAt(g, fd, ptr, len, RIGHTS.PATH_FILESTAT_SET_TIMES);
      dir.union.setTimes(full, a, m, (flags & LOOKUPFLAGS.SYMLINK_FOLLOW) !== 0);
      return Errno.SUCCESS;
    },

    path_link(oldFd, oldFlags, oldPtr, oldLen, newFd, newPtr, newLen) {
      if ((oldFlags & ~LOOKUPFLAGS_ALL) !== 0) fail(Errno.INVAL);
      const src = pathAt(g, oldFd, oldPtr, oldLen, RIGHTS.PATH_LINK_SOURCE);
      const dst = pathAt(g, newFd, newPtr, newLen, RIGHTS.PATH_LINK_TARGET);
      if (src.dir.union !== dst.dir.union) fail(Errno.XDEV);
      refuseDotLast(dst.rel, Errno.EXIST);
      const from = oldFlags & LOOKUPFLAGS.SYMLINK_FOLLOW ? src.dir.union.realpath(src.full, true) : src.full;
      dst.dir.union.link(from, dst.full);
      return Errno.SUCCESS;
    },

    path_open(fd, dirflags, ptr, len, oflags, rightsBase, rightsInheriting, fdflags, fdPtr) {
      const f = parseOpenFlags(dirflags, oflags, fdflags);
      const dir = dirAt(g, fd);
      requireOpenRights(dir.rightsBase, f);
      const full = fullPath(g, dir, ptr, len);
      const rel = relOf(dir, full);
      memory.view().getUint32(fdPtr >>> 0, true); // EFAULT before anything is created
      fds.checkRoom();
      const o = openAt(dir, full, rel, f, rightsBase, rightsInheriting);
      const h: Descriptor = o.kind === "dir"
        ? {
          kind: "dir", union: dir.union, path: o.path, file: o.file, preopen: undefined, listing: undefined,
          rightsBase: o.rightsBase, rightsInheriting: o.rightsInheriting, fdflags: f.fdflags,
        }
        : {
          kind: "file", union: dir.union, path: o.path, file: o.file, position: 0,
          rightsBase: o.rightsBase, rightsInheriting: o.rightsInheriting, fdflags: f.fdflags,
        };
      const newFd = fds.add(h);
      memory.view().setUint32(fdPtr >>> 0, newFd, true);
      return Errno.SUCCESS;
    },

    path_readlink(fd, ptr, len, bufPtr, bufLen, usedPtr) {
      const { dir, full } = pathAt(g, fd, ptr, len, RIGHTS.PATH_READLINK);
      const view = memory.view();
      view.getUint32(usedPtr >>> 0, true);
      const out = memory.bytes(bufPtr, bufLen);
      const target = encoder.encode(dir.union.readlink(full));
      // A short buffer gets a truncated target, as readlink(2) does.
      const n = Math.min(target.length, out.length);
      out.set(target.subarray(0, n));
      view.setUint32(usedPtr >>> 0, n, true);
      return Errno.SUCCESS;
    },

    path_remove_directory(fd, ptr, len) {
      const { dir, rel, full } = pathAt(g, fd, ptr, len, RIGHTS.PATH_REMOVE_DIRECTORY);
      const last = lastComponent(rel);
      if (last === ".") fail(Errno.INVAL);
      if (last === "..") fail(Errno.NOTEMPTY);
      dir.union.rmdir(full);
      return Errno.SUCCESS;
    },

    path_rename(fd, oldPtr, oldLen, newFd, newPtr, newLen) {
      const src = pathAt(g, fd, oldPtr, oldLen, RIGHTS.PATH_RENAME_SOURCE);
      const dst = pathAt(g, newFd, newPtr, newLen, RIGHTS.PATH_RENAME_TARGET);
      if (src.dir.union !== dst.dir.union) fail(Errno.XDEV);
      const union = src.dir.union;
      const moved = renameTracked(union, src.full, dst.full, src.rel, dst.rel);
      // Directory fds follow their directory when it moves (they hold a path, not an inode).
      if (moved !== undefined) {
        for (const [, h] of fds.entries()) {
          if (h.kind === "dir" && h.union === union) h.path = afterMove(h.path, moved);
        }
      }
      return Errno.SUCCESS;
    },

    path_symlink(oldPtr, oldLen, fd, newPtr, newLen) {
      const target = guestPath(g, oldPtr, oldLen); // stored verbatim; resolved inside the union when followed
      const { dir, rel, full } = pathAt(g, fd, newPtr, newLen, RIGHTS.PATH_SYMLINK);
      refuseAbsoluteTarget(target, g.allowAbsoluteSymlinks);
      refuseDotLast(rel, Errno.EXIST);
      dir.union.symlink(target, full);
      return Errno.SUCCESS;
    },

    path_unlink_file(fd, ptr, len) {
      const { dir, rel, full } = pathAt(g, fd, ptr, len, RIGHTS.PATH_UNLINK_FILE);
      refuseDotLast(rel, Errno.ISDIR);
      dir.union.unlink(full);
      return Errno.SUCCESS;
    },
  };
}

/**
 * fd_* calls other than the data path (calls/fd-data.ts): descriptor state,
 * stat, size, times, sync, seek, readdir, prestat, close and renumber.
 */
import { Errno } from "../../core/errno.ts";
import type { Stat } from "../../core/union.ts";
import { FILESTAT_SIZE, FILETYPE, writeFdstat, writeFilestat, writePrestat } from "../abi.ts";
import { DATASYNC_RIGHTS, SYNC_RIGHTS, fdAdvise, fdSetFlags, fdSetTimes, fdSync } from "../fd-control.ts";
import { fdAllocate, fdSeek, fdSetSize, fdTell } from "../fd-io.ts";
import type { DirDescriptor, FileDescriptor } from "../fd-table.ts";
import { CHARACTER_DEVICE_FILESTAT, writeStatFilestatTo } from "../filestat.ts";
import type { Preview1Calls } from "../preview1.ts";
import { firstListed, listingFor } from "../readdir.ts";
import { RIGHTS, narrowRights, requireRights, rightsToU64 } from "../rights.ts";
import { fail } from "./guest.ts";
import type { Guest } from "./guest.ts";

type FdCalls = Preview1Calls<
  | "fd_advise" | "fd_allocate" | "fd_close" | "fd_datasync" | "fd_sync" | "fd_fdstat_get" | "fd_fdstat_set_flags"
  | "fd_fdstat_set_rights" | "fd_filestat_get" | "fd_filestat_set_size" | "fd_filestat_set_times"
  | "fd_prestat_get" | "fd_prestat_dir_name" | "fd_readdir" | "fd_renumber" | "fd_seek" | "fd_tell"
>;

function statOf(h: FileDescriptor | DirDescriptor): Stat {
  return h.file !== undefined ? h.file.stat() : h.union.stat(h.path);
}

export function fdCalls(g: Guest): FdCalls {
  const { fds, memory } = g;
  return {
    fd_advise(fd, offset, len, advice) {
      fdAdvise(fds.get(fd >>> 0), offset, len, advice);
      return Errno.SUCCESS;
    },

    fd_allocate(fd, offset, len) {
      const h = fds.get(fd >>> 0);
      if (h.kind === "stdio") fail(Errno.SPIPE);
      fdAllocate(h, offset, len);
      return Errno.SUCCESS;
    },

    fd_close(fd) {
      const h = fds.remove(fd >>> 0);
      if (h.kind !== "stdio") h.file?.close();
      return Errno.SUCCESS;
    },

    fd_datasync(fd) {
      fdSync(fds.get(fd >>> 0), DATASYNC_RIGHTS);
      return Errno.SUCCESS;
    },

    fd_sync(fd) {
      fdSync(fds.get(fd >>> 0), SYNC_RIGHTS);
      return Errno.SUCCESS;
    },

    fd_fdstat_get(fd, ptr) {
      const h = fds.get(fd >>> 0);
      const filetype = h.kind === "file" ? FILETYPE.REGULAR_FILE : h.kind === "dir" ? FILETYPE.DIRECTORY
        : FILETYPE.CHARACTER_DEVICE;
      writeFdstat(memory.view(), ptr >>> 0, {
        filetype, flags: h.fdflags, rightsBase: rightsToU64(h.rightsBase), rightsInheriting: rightsToU64(h.rightsInheriting),
      });
      return Errno.SUCCESS;
    },

    fd_fdstat_set_flags(fd, flags) {
      fdSetFlags(fds.get(fd >>> 0), flags);
      return Errno.SUCCESS;
    },

    fd_fdstat_set_rights(fd, base, inheriting) {
      narrowRights(fds.get(fd >>> 0), base, inheriting);
      return Errno.SUCCESS;
    },

    fd_filestat_get(fd, ptr) {
      const h = fds.get(fd >>> 0);
      requireRights(h.rightsBase, RIGHTS.FD_FILESTAT_GET);
      const view = memory.view();
      if (h.kind === "stdio") {
        writeFilestat(view, ptr >>> 0, CHARACTER_DEVICE_FILESTAT);
      } else {
        view.getUint8((ptr >>> 0) + FILESTAT_SIZE - 1); // EFAULT before the stat
        writeStatFilestatTo(memory, ptr >>> 0, statOf(h));
      }
      return Errno.SUCCESS;
    },

    fd_filestat_set_size(fd, size) {
      const h = fds.get(fd >>> 0);
      if (h.kind === "stdio") {
        requireRights(h.rightsBase, RIGHTS.FD_FILESTAT_SET_SIZE);
        fail(Errno.INVAL); // ftruncate on a character device
      }
      fdSetSize(h, size);
      return Errno.SUCCESS;
    },

    fd_filestat_set_times(fd, atim, mtim, fst) {
      fdSetTimes(fds.get(fd >>> 0), atim, mtim, fst);
      return Errno.SUCCESS;
    },

    fd_prestat_get(fd, ptr) {
      const h = fds.get(fd >>> 0);
      if (h.kind !== "dir" || h.preopen === undefined) fail(Errno.BADF);
      writePrestat(memory.view(), ptr >>> 0, h.preopen.length);
      return Errno.SUCCESS;
    },

    fd_prestat_dir_name(fd, ptr, len) {
      const h = fds.get(fd >>> 0);
      if (h.kind !== "dir" || h.preopen === undefined) fail(Errno.BADF);
      if (len >>> 0 < h.preopen.length) fail(Errno.NAMETOOLONG);
      memory.bytes(ptr, h.preopen.length).set(h.preopen);
      return Errno.SUCCESS;
    },

    fd_readdir(fd, bufPtr, bufLen, cookie, bufusedPtr) {
      const h = fds.get(fd >>> 0);
      if (h.kind !== "dir") fail(h.kind === "file" ? Errno.NOTDIR : Errno.BADF);
      requireRights(h.rightsBase, RIGHTS.FD_READDIR);
      const view = memory.view();
      view.getUint32(bufusedPtr >>> 0, true);
      const out = memory.bytes(bufPtr, bufLen);
      const c = BigInt.asUintN(64, cookie);
      // Cookie 0 (re)starts: snapshot the sorted listing so deletions during iteration never skip or repeat.
      const listing = (h.listing = listingFor(c, h.listing, h));
      // The snapshot is the dirent stream itself: what fits, from the cookie's entry on (a last entry cut short).
      const from = listing.starts[firstListed(listing, c)]!;
      const used = Math.min(listing.bytes.length - from, out.length);
      if (used > 0) out.set(listing.bytes.subarray(from, from + used));
      view.setUint32(bufusedPtr >>> 0, used, true);
      return Errno.SUCCESS;
    },

    fd_renumber(from, to) {
      const old = fds.renumber(from >>> 0, to >>> 0);
      if (old !== undefined && old.kind !== "stdio") old.file?.close();
      return Errno.SUCCESS;
    },

    fd_seek(fd, offset, whence, newOffsetPtr) {
      const h = fds.get(fd >>> 0);
      if (h.kind === "stdio") fail(Errno.SPIPE);
      const view = memory.view();
      view.getBigUint64(newOffsetPtr >>> 0, true);
      view.setBigUint64(newOffsetPtr >>> 0, fdSeek(h, offset, whence), true);
      return Errno.SUCCESS;
    },

    fd_tell(fd, ptr) {
      const h = fds.get(fd >>> 0);
      if (h.kind === "stdio") fail(Errno.SPIPE);
      const pos = fdTell(h);
      memory.view().setBigUint64(ptr >>> 0, pos, true);
      return Errno.SUCCESS;
    },
  };
}

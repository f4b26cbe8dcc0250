/**
 * The base of every layerfs Fd for browser_wasi_shim 0.4.2, and the helpers
 * its subclasses share: every method returns an errno (guard), no exception
 * reaches the shim, and path arguments are checked as the shim decoded them.
 *
 * These classes implement the shim's Fd interface structurally and never
 * import the shim at runtime (its dispatcher only calls Fd methods), so
 * layerfs has no runtime dependency on it. Semantics are those of layerfs's
 * own dispatcher (src/wasi/calls/), through the modules both use (fd-io.ts,
 * fd-control.ts, open.ts, readdir.ts, tracked-rename.ts, offsets.ts,
 * times.ts, rights.ts, paths.ts).
 */
import type { Fd, Inode, wasi } from "@bjorn3/browser_wasi_shim";
import { Errno, FsError, errnoOf } from "../../core/errno.ts";
import { fdSetFlags } from "../fd-control.ts";
import { PATH_MAX } from "../paths.ts";
import { narrowRights } from "../rights.ts";
import { fail } from "../fd-io.ts";
export { fail };

const encoder = new TextEncoder();
export const EMPTY = new Uint8Array(0);


/** A path argument as the shim decoded it (non-fatal UTF-8): NUL -> EINVAL, empty -> ENOENT. */
export function checkPath(p: string): string {
  if (p.length === 0) fail(Errno.NOENT);
  if (p.indexOf("\0") >= 0) fail(Errno.INVAL);
  if (p.length > PATH_MAX && encoder.encode(p).length > PATH_MAX) fail(Errno.NAMETOOLONG);
  return p;
}

/** Run `f`, turning any exception into an errno (the shim has no try/catch of its own). */
export function guard(f: () => number): number {
  try {
    return f();
  } catch (e) {
    return errnoOf(e);
  }
}

export function guardWith<T extends { ret: number }>(f: () => NoInfer<T>, failed: (errno: number) => NoInfer<T>): T {
  try {
    return f();
  } catch (e) {
    return failed(errnoOf(e));
  }
}


/**
 * Base of every layerfs Fd: the shim's "not supported here" answers, with the
 * errno a POSIX system gives for the wrong kind of descriptor.
 */
export abstract class UnionFdBase implements Fd {
  rightsBase: number;
  rightsInheriting: number;
  fdflags = 0;

  constructor(rightsBase: number, rightsInheriting: number) {
    this.rightsBase = rightsBase;
    this.rightsInheriting = rightsInheriting;
  }

  fd_allocate(_offset: bigint, _len: bigint): number {
    return Errno.BADF;
  }
  fd_close(): number {
    return Errno.SUCCESS;
  }
  fd_fdstat_get(): { ret: number; fdstat: wasi.Fdstat | null } {
    return { ret: Errno.NOTSUP, fdstat: null };
  }
  fd_fdstat_set_flags(flags: number): number {
    return guard(() => {
      fdSetFlags(this, flags);
      return Errno.SUCCESS;
    });
  }
  fd_fdstat_set_rights(base: bigint, inheriting: bigint): number {
    return guard(() => {
      narrowRights(this, base, inheriting);
      return Errno.SUCCESS;
    });
  }
  fd_filestat_get(): { ret: number; filestat: wasi.Filestat | null } {
    return { ret: Errno.NOTSUP, filestat: null };
  }
  fd_filestat_set_size(_size: bigint): number {
    return Errno.BADF;
  }
  fd_filestat_set_times(_atim: bigint, _mtim: bigint, _fst: number): number {
    return Errno.NOTSUP;
  }
  fd_pread(_size: number, _offset: bigint): { ret: number; data: Uint8Array } {
    return { ret: Errno.BADF, data: EMPTY };
  }
  fd_prestat_get(): { ret: number; prestat: wasi.Prestat | null } {
    return { ret: Errno.BADF, prestat: null };
  }
  fd_pwrite(_data: Uint8Array, _offset: bigint): { ret: number; nwritten: number } {
    return { ret: Errno.BADF, nwritten: 0 };
  }
  fd_read(_size: number): { ret: number; data: Uint8Array } {
    return { ret: Errno.BADF, data: EMPTY };
  }
  fd_readdir_single(_cookie: bigint): { ret: number; dirent: wasi.Dirent | null } {
    return { ret: Errno.NOTDIR, dirent: null };
  }
  fd_seek(_offset: bigint, _whence: number): { ret: number; offset: bigint } {
    return { ret: Errno.BADF, offset: 0n };
  }
  fd_sync(): number {
    return Errno.SUCCESS;
  }
  fd_tell(): { ret: number; offset: bigint } {
    return { ret: Errno.BADF, offset: 0n };
  }
  fd_write(_data: Uint8Array): { ret: number; nwritten: number } {
    return { ret: Errno.BADF, nwritten: 0 };
  }
  path_create_directory(_path: string): number {
    return Errno.NOTDIR;
  }
  path_filestat_get(_flags: number, _path: string): { ret: number; filestat: wasi.Filestat | null } {
    return { ret: Errno.NOTDIR, filestat: null };
  }
  path_filestat_set_times(_flags: number, _path: string, _atim: bigint, _mtim: bigint, _fst: number): number {
    return Errno.NOTDIR;
  }
  path_link(_path: string, _inode: Inode, _allowDir: boolean): number {
    return Errno.NOTDIR;
  }
  path_unlink(_path: string): { ret: number; inode_obj: Inode | null } {
    return { ret: Errno.NOTDIR, inode_obj: null };
  }
  path_lookup(_path: string, _dirflags: number): { ret: number; inode_obj: Inode | null } {
    return { ret: Errno.NOTDIR, inode_obj: null };
  }
  path_open(
    _dirflags: number, _path: string, _oflags: number, _base: bigint, _inheriting: bigint, _fdflags: number,
  ): { ret: number; fd_obj: Fd | null } {
    return { ret: Errno.NOTDIR, fd_obj: null };
  }
  path_readlink(_path: string): { ret: number; data: string | null } {
    return { ret: Errno.NOTDIR, data: null };
  }
  path_remove_directory(_path: string): number {
    return Errno.NOTDIR;
  }
  path_rename(_oldPath: string, _newFd: number, _newPath: string): number {
    // The shim's dispatcher never calls this (its path_rename is unlink + link); fixShimWasi routes renames.
    return Errno.NOTSUP;
  }
  path_unlink_file(_path: string): number {
    return Errno.NOTDIR;
  }
}


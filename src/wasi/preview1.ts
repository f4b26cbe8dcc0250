/**
 * The wasi_snapshot_preview1 import table, typed: every function by name with
 * the argument types wasm passes (i32 as number, i64 as bigint). The syscall
 * groups in calls/ implement slices of it, and a missing or misnamed entry is
 * a type error here rather than an import failure at instantiation.
 */
import type { Preview1Function } from "./abi.ts";

export type Preview1Imports = {
  args_get(argvPtr: number, bufPtr: number): number;
  args_sizes_get(countPtr: number, sizePtr: number): number;
  environ_get(envPtr: number, bufPtr: number): number;
  environ_sizes_get(countPtr: number, sizePtr: number): number;
  clock_res_get(id: number, resPtr: number): number;
  clock_time_get(id: number, precision: bigint, timePtr: number): number;
  fd_advise(fd: number, offset: bigint, len: bigint, advice: number): number;
  fd_allocate(fd: number, offset: bigint, len: bigint): number;
  fd_close(fd: number): number;
  fd_datasync(fd: number): number;
  fd_fdstat_get(fd: number, ptr: number): number;
  fd_fdstat_set_flags(fd: number, flags: number): number;
  fd_fdstat_set_rights(fd: number, base: bigint, inheriting: bigint): number;
  fd_filestat_get(fd: number, ptr: number): number;
  fd_filestat_set_size(fd: number, size: bigint): number;
  fd_filestat_set_times(fd: number, atim: bigint, mtim: bigint, fst: number): number;
  fd_pread(fd: number, iovsPtr: number, iovsLen: number, offset: bigint, nreadPtr: number): number;
  fd_prestat_get(fd: number, ptr: number): number;
  fd_prestat_dir_name(fd: number, ptr: number, len: number): number;
  fd_pwrite(fd: number, iovsPtr: number, iovsLen: number, offset: bigint, nwrittenPtr: number): number;
  fd_read(fd: number, iovsPtr: number, iovsLen: number, nreadPtr: number): number;
  fd_readdir(fd: number, bufPtr: number, bufLen: number, cookie: bigint, bufusedPtr: number): number;
  fd_renumber(from: number, to: number): number;
  fd_seek(fd: number, offset: bigint, whence: number, newOffsetPtr: number): number;
  fd_sync(fd: number): number;
  fd_tell(fd: number, ptr: number): number;
  fd_write(fd: number, iovsPtr: number, iovsLen: number, nwrittenPtr: number): number;
  path_create_directory(fd: number, ptr: number, len: number): number;
  path_filestat_get(fd: number, flags: number, ptr: number, len: number, bufPtr: number): number;
  path_filestat_set_times(
    fd: number, flags: number, ptr: number, len: number, atim: bigint, mtim: bigint, fst: number,
  ): number;
  path_link(
    oldFd: number, oldFlags: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number,
  ): number;
  path_open(
    fd: number, dirflags: number, ptr: number, len: number, oflags: number,
    rightsBase: bigint, rightsInheriting: bigint, fdflags: number, fdPtr: number,
  ): number;
  path_readlink(fd: number, ptr: number, len: number, bufPtr: number, bufLen: number, usedPtr: number): number;
  path_remove_directory(fd: number, ptr: number, len: number): number;
  path_rename(fd: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number): number;
  path_symlink(oldPtr: number, oldLen: number, fd: number, newPtr: number, newLen: number): number;
  path_unlink_file(fd: number, ptr: number, len: number): number;
  poll_oneoff(inPtr: number, outPtr: number, nsubs: number, neventsPtr: number): number;
  proc_exit(code: number): number;
  proc_raise(sig: number): number;
  sched_yield(): number;
  random_get(ptr: number, len: number): number;
  sock_accept(fd: number, flags: number, fdPtr: number): number;
  sock_recv(fd: number, riData: number, riLen: number, riFlags: number, lenPtr: number, flagsPtr: number): number;
  sock_send(fd: number, siData: number, siLen: number, siFlags: number, lenPtr: number): number;
  sock_shutdown(fd: number, how: number): number;
};

/** A slice of the table, as one group of calls/ implements it. */
export type Preview1Calls<K extends Preview1Function> = Pick<Preview1Imports, K>;

// The table names exactly the witx functions: a missing or extra name fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const namesMatch: Same<keyof Preview1Imports, Preview1Function> = true;
void namesMatch;

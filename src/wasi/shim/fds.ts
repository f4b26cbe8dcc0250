/**
 * A Union as browser_wasi_shim 0.4.2 file descriptors: UnionPreopen (a
 * preopened directory, what PreopenDirectory is for the shim's in-memory fs),
 * and the file and directory Fds its path_open hands out.
 *
 * These classes implement the shim's Fd interface structurally and never
 * import the shim at runtime (its dispatcher only calls Fd methods), so
 * layerfs has no runtime dependency on it. Semantics are those of layerfs's
 * own dispatcher (src/wasi/dispatcher.ts), through the modules both use
 * (fd-io.ts, open.ts, readdir.ts, rename.ts, offsets.ts, times.ts, rights.ts,
 * paths.ts): rights as wasi-libc expects them, copy-up on an open with write
 * rights or O_TRUNC (SEMANTICS.md rule 8), "." and ".." in readdir, a listing
 * snapshot per cookie-0 pass, paths confined to their directory fd. Every
 * method returns an errno; no exception reaches the shim.
 */
import type { Fd, Inode, wasi } from "@bjorn3/browser_wasi_shim";
import { Errno, FsError, errnoOf } from "../../core/errno.ts";
import type { Stat, Union, UnionFile } from "../../core/union.ts";
import { FDFLAGS_ALL, FILETYPE, LOOKUPFLAGS, LOOKUPFLAGS_ALL } from "../abi.ts";
import type { DirListing } from "../fd-table.ts";
import { fdAllocate, fdRead, fdSeek, fdSetSize, fdTell, fdWrite, guestOffset, readableBytes } from "../fd-io.ts";
import type { DirFdState, FdState, FileFdState } from "../fd-io.ts";
import { openAt, parseOpenFlags, requireOpenRights } from "../open.ts";
import { lastComponent, PATH_MAX, refuseAbsoluteTarget, refuseDotLast, resolveUnder } from "../paths.ts";
import { listingFor } from "../readdir.ts";
import { afterMove, renameTracked } from "../rename.ts";
import { DIR_INHERITING, DIR_RIGHTS, RIGHTS, narrowRights, requireRights, rightsToU64 } from "../rights.ts";
import { requestedTimes } from "../times.ts";
import { ShimDirent, ShimFdstat, ShimFilestat, ShimPrestat } from "./structs.ts";

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

function fail(errno: number): never {
  throw new FsError(errno);
}

/** A path argument as the shim decoded it (non-fatal UTF-8): NUL -> EINVAL, empty -> ENOENT. */
function checkPath(p: string): string {
  if (p.length === 0) fail(Errno.NOENT);
  if (p.indexOf("\0") >= 0) fail(Errno.INVAL);
  if (p.length > PATH_MAX && encoder.encode(p).length > PATH_MAX) fail(Errno.NAMETOOLONG);
  return p;
}

/** The shim's Fd.fd_read(size): a fresh buffer of at most `size` bytes read through fd-io.ts. */
function readInto(h: FdState, size: number, position: number | undefined): { ret: number; data: Uint8Array } {
  const buf = new Uint8Array(h.kind === "dir" ? 0 : size);
  const n = fdRead(h, buf, position);
  return { ret: Errno.SUCCESS, data: n === size ? buf : buf.subarray(0, n) };
}

/** Run `f`, turning any exception into an errno (the shim has no try/catch of its own). */
function guard(f: () => number): number {
  try {
    return f();
  } catch (e) {
    return errnoOf(e);
  }
}

function guardWith<T extends { ret: number }>(f: () => NoInfer<T>, failed: (errno: number) => NoInfer<T>): T {
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
      if ((flags & ~FDFLAGS_ALL) !== 0) fail(Errno.INVAL);
      requireRights(this.rightsBase, RIGHTS.FD_FDSTAT_SET_FLAGS);
      this.fdflags = flags & FDFLAGS_ALL;
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

/**
 * The fd-level I/O of union files and directories: fd-io.ts, the code the
 * dispatcher runs too (a directory gets its errnos: EISDIR to read, EBADF to write...).
 */
abstract class UnionNodeFd extends UnionFdBase {
  abstract readonly kind: "file" | "dir";

  #state(): FdState {
    return this as unknown as FdState;
  }
  override fd_read(size: number): { ret: number; data: Uint8Array } {
    return guardWith(() => readInto(this.#state(), size, undefined), (ret) => ({ ret, data: EMPTY }));
  }
  override fd_pread(size: number, offset: bigint): { ret: number; data: Uint8Array } {
    return guardWith(() => readInto(this.#state(), size, guestOffset(offset)), (ret) => ({ ret, data: EMPTY }));
  }
  override fd_write(data: Uint8Array): { ret: number; nwritten: number } {
    return guardWith(() => ({ ret: Errno.SUCCESS, nwritten: fdWrite(this.#state(), data, undefined) }),
      (ret) => ({ ret, nwritten: 0 }));
  }
  override fd_pwrite(data: Uint8Array, offset: bigint): { ret: number; nwritten: number } {
    return guardWith(() => ({ ret: Errno.SUCCESS, nwritten: fdWrite(this.#state(), data, guestOffset(offset)) }),
      (ret) => ({ ret, nwritten: 0 }));
  }
  override fd_filestat_set_size(size: bigint): number {
    return guard(() => {
      fdSetSize(this.#state(), size);
      return Errno.SUCCESS;
    });
  }
  override fd_allocate(offset: bigint, len: bigint): number {
    return guard(() => {
      fdAllocate(this.#state(), offset, len);
      return Errno.SUCCESS;
    });
  }
  override fd_seek(offset: bigint, whence: number): { ret: number; offset: bigint } {
    return guardWith(() => ({ ret: Errno.SUCCESS, offset: fdSeek(this.#state(), offset, whence) }), (ret) => ({ ret, offset: 0n }));
  }
  override fd_tell(): { ret: number; offset: bigint } {
    return guardWith(() => ({ ret: Errno.SUCCESS, offset: fdTell(this.#state()) }), (ret) => ({ ret, offset: 0n }));
  }
}

/** An open regular file of the union. */
export class UnionFileFd extends UnionNodeFd implements FileFdState {
  readonly kind = "file";
  readonly union: Union;
  file: UnionFile;
  /** Union path at open time (for diagnostics: the file object is what counts). */
  readonly path: string;
  position = 0;

  constructor(union: Union, path: string, file: UnionFile, rightsBase: number, rightsInheriting: number, fdflags: number) {
    super(rightsBase, rightsInheriting);
    this.union = union;
    this.path = path;
    this.file = file;
    this.fdflags = fdflags;
  }

  override fd_close(): number {
    return guard(() => {
      this.file.close();
      return Errno.SUCCESS;
    });
  }
  override fd_fdstat_get(): { ret: number; fdstat: wasi.Fdstat | null } {
    const fdstat = new ShimFdstat(
      FILETYPE.REGULAR_FILE, this.fdflags, rightsToU64(this.rightsBase), rightsToU64(this.rightsInheriting));
    return { ret: Errno.SUCCESS, fdstat };
  }
  override fd_filestat_get(): { ret: number; filestat: wasi.Filestat | null } {
    return guardWith(() => {
      requireRights(this.rightsBase, RIGHTS.FD_FILESTAT_GET);
      return { ret: Errno.SUCCESS, filestat: ShimFilestat.fromStat(this.file.stat()) };
    }, (ret) => ({ ret, filestat: null }));
  }
  override fd_filestat_set_times(atim: bigint, mtim: bigint, fst: number): number {
    return guard(() => {
      const [a, m] = requestedTimes(atim, mtim, fst);
      requireRights(this.rightsBase, RIGHTS.FD_FILESTAT_SET_TIMES);
      if (a !== undefined || m !== undefined) this.file.setTimes(a, m);
      return Errno.SUCCESS;
    });
  }
  /** For poll_oneoff: bytes a read would return now. */
  readableBytes(): bigint {
    try {
      return readableBytes(this);
    } catch {
      return 0n;
    }
  }
  override fd_sync(): number {
    return guard(() => {
      if ((this.rightsBase & (RIGHTS.FD_DATASYNC | RIGHTS.FD_SYNC)) === 0) requireRights(this.rightsBase, RIGHTS.FD_SYNC);
      this.file.sync();
      return Errno.SUCCESS;
    });
  }
}

/** What path_lookup hands the shim's path_link: a union object by path. */
export class UnionInode implements Inode {
  ino: bigint;
  readonly union: Union;
  /** Union path of the object (for a link source: not following a final symlink unless asked). */
  readonly path: string;

  constructor(union: Union, path: string, ino: number) {
    this.union = union;
    this.path = path;
    this.ino = BigInt(ino);
  }
  path_open(): { ret: number; fd_obj: Fd | null } {
    return { ret: Errno.NOTSUP, fd_obj: null };
  }
  stat(): wasi.Filestat {
    return ShimFilestat.fromStat(this.union.lstat(this.path));
  }
}

/**
 * What path_unlink hands the shim's path_rename (0.4.2 renames by unlink +
 * link): nothing is unlinked; the following path_link performs one atomic
 * union rename, and the shim's "link it back" after a failed link is a no-op.
 * fixShimWasi bypasses this entirely; it keeps an unpatched shim correct.
 */
export class PendingRename extends UnionInode {}

/** A directory of the union, the base of UnionPreopen. */
export class UnionDirFd extends UnionNodeFd implements DirFdState {
  readonly kind = "dir";
  readonly union: Union;
  /** Canonical absolute union path; path arguments resolve from here (follows renames made through fixShimWasi). */
  path: string;
  readonly file: UnionFile | undefined;
  /** Errno for path arguments that leave this directory (absolute or too many ".."). */
  readonly escapeErrno: number;
  /** path_symlink may store an absolute target (default false: EPERM, as the WASI filesystem spec says). */
  readonly allowAbsoluteSymlinks: boolean;
  #listing: DirListing | undefined;

  constructor(
    union: Union, path: string, file: UnionFile | undefined,
    rightsBase = DIR_RIGHTS, rightsInheriting = DIR_INHERITING, escapeErrno: number = Errno.NOTCAPABLE,
    allowAbsoluteSymlinks = false,
  ) {
    super(rightsBase, rightsInheriting);
    this.union = union;
    this.path = path;
    this.file = file;
    this.escapeErrno = escapeErrno;
    this.allowAbsoluteSymlinks = allowAbsoluteSymlinks;
  }

  /** The union path `rel` names, after checking `rights` on this directory. */
  resolve(rel: string, rights: number): string {
    requireRights(this.rightsBase, rights);
    return resolveUnder(this.path, checkPath(rel), this.escapeErrno);
  }

  #stat(): Stat {
    return this.file !== undefined ? this.file.stat() : this.union.stat(this.path);
  }

  override fd_close(): number {
    return guard(() => {
      this.file?.close();
      return Errno.SUCCESS;
    });
  }
  override fd_fdstat_get(): { ret: number; fdstat: wasi.Fdstat | null } {
    const fdstat = new ShimFdstat(
      FILETYPE.DIRECTORY, this.fdflags, rightsToU64(this.rightsBase), rightsToU64(this.rightsInheriting));
    return { ret: Errno.SUCCESS, fdstat };
  }
  override fd_filestat_get(): { ret: number; filestat: wasi.Filestat | null } {
    return guardWith(() => {
      requireRights(this.rightsBase, RIGHTS.FD_FILESTAT_GET);
      return { ret: Errno.SUCCESS, filestat: ShimFilestat.fromStat(this.#stat()) };
    }, (ret) => ({ ret, filestat: null }));
  }
  override fd_filestat_set_times(atim: bigint, mtim: bigint, fst: number): number {
    return guard(() => {
      const [a, m] = requestedTimes(atim, mtim, fst);
      requireRights(this.rightsBase, RIGHTS.FD_FILESTAT_SET_TIMES);
      if (a === undefined && m === undefined) return Errno.SUCCESS;
      if (this.file !== undefined) this.file.setTimes(a, m);
      else this.union.setTimes(this.path, a, m, true);
      return Errno.SUCCESS;
    });
  }
  /**
   * One entry per call, as the shim's fd_readdir asks. Cookie 0 takes a
   * snapshot (".", "..", then the merged sorted entries), so deleting
   * entries while iterating never skips or repeats one (SEMANTICS.md rule 15).
   */
  override fd_readdir_single(cookie: bigint): { ret: number; dirent: wasi.Dirent | null } {
    return guardWith(() => {
      requireRights(this.rightsBase, RIGHTS.FD_READDIR);
      const c = BigInt.asUintN(64, cookie);
      this.#listing = listingFor(c, this.#listing, this);
      const list = this.#listing.entries;
      if (c >= BigInt(list.length)) return { ret: Errno.SUCCESS, dirent: null };
      const e = list[Number(c)]!;
      return { ret: Errno.SUCCESS, dirent: new ShimDirent(c + 1n, e.ino, e.name, e.type) };
    }, (ret) => ({ ret, dirent: null }));
  }

  override path_create_directory(path: string): number {
    return guard(() => {
      const full = this.resolve(path, RIGHTS.PATH_CREATE_DIRECTORY);
      refuseDotLast(path, Errno.EXIST);
      this.union.mkdir(full, 0o755);
      return Errno.SUCCESS;
    });
  }

  override path_filestat_get(flags: number, path: string): { ret: number; filestat: wasi.Filestat | null } {
    return guardWith(() => {
      if ((flags & ~LOOKUPFLAGS_ALL) !== 0) fail(Errno.INVAL);
      const full = this.resolve(path, RIGHTS.PATH_FILESTAT_GET);
      const st = flags & LOOKUPFLAGS.SYMLINK_FOLLOW ? this.union.stat(full) : this.union.lstat(full);
      return { ret: Errno.SUCCESS, filestat: ShimFilestat.fromStat(st) };
    }, (ret) => ({ ret, filestat: null }));
  }

  override path_filestat_set_times(flags: number, path: string, atim: bigint, mtim: bigint, fst: number): number {
    return guard(() => {
      if ((flags & ~LOOKUPFLAGS_ALL) !== 0) fail(Errno.INVAL);
      const [a, m] = requestedTimes(atim, mtim, fst);
      const full = this.resolve(path, RIGHTS.PATH_FILESTAT_SET_TIMES);
      this.union.setTimes(full, a, m, (flags & LOOKUPFLAGS.SYMLINK_FOLLOW) !== 0);
      return Errno.SUCCESS;
    });
  }

  /** Source half of the shim's path_link: the object, by union path. */
  override path_lookup(path: string, dirflags: number): { ret: number; inode_obj: Inode | null } {
    return guardWith(() => {
      if ((dirflags & ~LOOKUPFLAGS_ALL) !== 0) fail(Errno.INVAL);
      const full = this.resolve(path, RIGHTS.PATH_LINK_SOURCE);
      const follow = (dirflags & LOOKUPFLAGS.SYMLINK_FOLLOW) !== 0;
      const p = follow ? this.union.realpath(full, true) : full;
      return { ret: Errno.SUCCESS, inode_obj: new UnionInode(this.union, p, this.union.lstat(p).ino) };
    }, (ret) => ({ ret, inode_obj: null }));
  }

  /** Target half of path_link (and of the unpatched shim's rename, see PendingRename). */
  override path_link(path: string, inode: Inode, allowDir: boolean): number {
    return guard(() => {
      if (!(inode instanceof UnionInode)) fail(Errno.XDEV); // an object of another filesystem
      if (inode.union !== this.union) fail(Errno.XDEV);
      if (inode instanceof PendingRename) {
        if (!allowDir) fail(Errno.INVAL);
        const full = this.resolve(path, RIGHTS.PATH_RENAME_TARGET);
        if (full === inode.path) return Errno.SUCCESS; // the shim "relinking" after a failed rename
        refuseDotLast(path, Errno.BUSY);
        this.union.rename(inode.path, full); // one atomic union rename
        return Errno.SUCCESS;
      }
      const full = this.resolve(path, RIGHTS.PATH_LINK_TARGET);
      refuseDotLast(path, Errno.EXIST);
      this.union.link(inode.path, full);
      return Errno.SUCCESS;
    });
  }

  /** Source half of the unpatched shim's rename: checks the source, removes nothing. */
  override path_unlink(path: string): { ret: number; inode_obj: Inode | null } {
    return guardWith(() => {
      const full = this.resolve(path, RIGHTS.PATH_RENAME_SOURCE);
      refuseDotLast(path, Errno.BUSY);
      const st = this.union.lstat(full);
      return { ret: Errno.SUCCESS, inode_obj: new PendingRename(this.union, full, st.ino) };
    }, (ret) => ({ ret, inode_obj: null }));
  }

  /**
   * path_rename with both directories known (used by fixShimWasi): one atomic
   * union.rename. Directory Fds among `openFds` at or under a moved directory
   * follow it (they hold a path, not an inode).
   */
  rename(oldPath: string, target: UnionDirFd, newPath: string, openFds: Iterable<unknown> = []): number {
    return guard(() => {
      const from = this.resolve(oldPath, RIGHTS.PATH_RENAME_SOURCE);
      const to = target.resolve(newPath, RIGHTS.PATH_RENAME_TARGET);
      if (target.union !== this.union) fail(Errno.XDEV);
      const moved = renameTracked(this.union, from, to, oldPath, newPath);
      if (moved !== undefined) {
        for (const fd of openFds) {
          if (fd instanceof UnionDirFd && fd.union === this.union) fd.path = afterMove(fd.path, moved);
        }
      }
      return Errno.SUCCESS;
    });
  }

  /** path_symlink (the shim 0.4.2 never calls into an Fd for it; fixShimWasi does). */
  symlink(target: string, path: string): number {
    return guard(() => {
      if (target.indexOf("\0") >= 0) fail(Errno.INVAL);
      const full = this.resolve(path, RIGHTS.PATH_SYMLINK);
      refuseAbsoluteTarget(target, this.allowAbsoluteSymlinks);
      refuseDotLast(path, Errno.EXIST);
      this.union.symlink(target, full);
      return Errno.SUCCESS;
    });
  }

  override path_open(
    dirflags: number, path: string, oflags: number, rightsBase: bigint, rightsInheriting: bigint, fdflags: number,
  ): { ret: number; fd_obj: Fd | null } {
    return guardWith(() => ({ ret: Errno.SUCCESS, fd_obj: this.#open(dirflags, path, oflags, rightsBase, rightsInheriting, fdflags) }),
      (ret) => ({ ret, fd_obj: null }));
  }

  #open(dirflags: number, rel: string, oflags: number, rightsBase: bigint, rightsInheriting: bigint, fdflags: number): Fd {
    const f = parseOpenFlags(dirflags, oflags, fdflags);
    requireOpenRights(this.rightsBase, f);
    const full = resolveUnder(this.path, checkPath(rel), this.escapeErrno);
    // FD_WRITE asked with O_DIRECTORY is one of the rights meaningless for a directory: dropped.
    const o = openAt(this, full, rel, f, rightsBase, rightsInheriting, true);
    if (o.kind === "dir") {
      const d = new UnionDirFd(
        this.union, o.path, o.file, o.rightsBase, o.rightsInheriting, this.escapeErrno, this.allowAbsoluteSymlinks);
      d.fdflags = f.fdflags;
      return d;
    }
    return new UnionFileFd(this.union, o.path, o.file, o.rightsBase, o.rightsInheriting, f.fdflags);
  }

  override path_readlink(path: string): { ret: number; data: string | null } {
    return guardWith(() => {
      const full = this.resolve(path, RIGHTS.PATH_READLINK);
      return { ret: Errno.SUCCESS, data: this.union.readlink(full) };
    }, (ret) => ({ ret, data: null }));
  }

  override path_remove_directory(path: string): number {
    return guard(() => {
      const full = this.resolve(path, RIGHTS.PATH_REMOVE_DIRECTORY);
      const last = lastComponent(path);
      if (last === ".") fail(Errno.INVAL);
      if (last === "..") fail(Errno.NOTEMPTY);
      this.union.rmdir(full);
      return Errno.SUCCESS;
    });
  }

  override path_unlink_file(path: string): number {
    return guard(() => {
      const full = this.resolve(path, RIGHTS.PATH_UNLINK_FILE);
      refuseDotLast(path, Errno.ISDIR);
      this.union.unlink(full);
      return Errno.SUCCESS;
    });
  }
}

/** Options of `new UnionPreopen(union, name, options)`. */
export interface UnionPreopenOptions {
  /** The directory of the union to preopen (default "/"). */
  path?: string;
  /** Errno for path arguments that leave the directory (default ENOTCAPABLE). */
  escapeErrno?: number;
  /** Let path_symlink store absolute targets, container-style (default false: EPERM). */
  allowAbsoluteSymlinks?: boolean;
}

/**
 * A union (or a directory inside one) preopened under `name`: hand it to the
 * shim's WASI in the fd list, as one would a PreopenDirectory.
 *
 * @example
 * const wasi = new WASI(args, env, [stdin, stdout, stderr, new UnionPreopen(union, "/")], { debug: false });
 * fixShimWasi(wasi);
 */
export class UnionPreopen extends UnionDirFd {
  readonly prestatName: string;

  constructor(union: Union, name = "/", options: UnionPreopenOptions = {}) {
    const path = options.path === undefined || options.path === "/" ? "/" : union.realpath(options.path);
    super(
      union, path, undefined, DIR_RIGHTS, DIR_INHERITING, options.escapeErrno ?? Errno.NOTCAPABLE,
      options.allowAbsoluteSymlinks === true,
    );
    this.prestatName = name;
  }

  override fd_prestat_get(): { ret: number; prestat: wasi.Prestat | null } {
    return { ret: Errno.SUCCESS, prestat: new ShimPrestat(this.prestatName) };
  }
}

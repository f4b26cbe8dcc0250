/**
 * A directory of the union as a browser_wasi_shim Fd, and UnionPreopen (a
 * preopened directory, what PreopenDirectory is for the shim's in-memory fs):
 * rights as wasi-libc expects them, copy-up on an open with write rights or
 * O_TRUNC (SEMANTICS.md rule 8), "." and ".." in readdir, a listing snapshot
 * per cookie-0 pass, paths confined to their directory fd.
 */
import type { Fd, Inode, wasi } from "@bjorn3/browser_wasi_shim";
import { Errno } from "../../core/errno.ts";
import type { Stat, Union, UnionFile } from "../../core/union.ts";
import { FILETYPE, LOOKUPFLAGS, LOOKUPFLAGS_ALL } from "../abi.ts";
import type { DirFdState } from "../fd-io.ts";
import type { DirListing } from "../fd-table.ts";
import { openAt, parseOpenFlags, requireOpenRights } from "../open.ts";
import { lastComponent, refuseAbsoluteTarget, refuseDotLast, resolveUnder } from "../paths.ts";
import { firstListed, listedCount, listedEntry, listingFor } from "../readdir.ts";
import { DIR_INHERITING, DIR_RIGHTS, RIGHTS, requireRights } from "../rights.ts";
import { requestedTimes } from "../times.ts";
import { afterMove, renameTracked } from "../tracked-rename.ts";
import { checkPath, fail, guard, guardWith } from "./fd-base.ts";
import { UnionFileFd } from "./file-fd.ts";
import { PendingRename, UnionInode } from "./inode.ts";
import { UnionNodeFd } from "./node-fd.ts";
import { ShimDirent, ShimFilestat, ShimPrestat } from "./structs.ts";

/** A directory of the union, the base of UnionPreopen. */
export class UnionDirFd extends UnionNodeFd implements DirFdState {
  readonly kind = "dir";
  protected readonly filetype = FILETYPE.DIRECTORY;
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

  /** What fd_filestat_get reports: the open directory, or (a preopen without a handle) its path. */
  protected override nodeStat(): Stat {
    return this.file !== undefined ? this.file.stat() : this.union.stat(this.path);
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
      const i = firstListed(this.#listing, c);
      if (i === listedCount(this.#listing)) return { ret: Errno.SUCCESS, dirent: null };
      const e = listedEntry(this.#listing, i);
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

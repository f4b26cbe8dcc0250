/**
 * Union = an immutable Image (lower layers) + one WritableLayer (upper).
 * This module is the public surface; the work is split by concern:
 * path.ts (syntax), resolve.ts (walk inside the root) + dir-cache.ts (the
 * directories walked through), lower-index.ts (the
 * image's cached per-directory index) + lookup.ts (upper over it), copy-up.ts,
 * create.ts, remove.ts, rename.ts, whiteout.ts (the `.wh.` encoding),
 * readdir-merge.ts, inode.ts, file.ts (handles), open-file.ts (open),
 * whole-file.ts (readFile/writeFile), fork.ts (fork/reset), union-state.ts
 * (lazy per-union state), quota.ts, changes.ts, fs-options.ts (node:fs-style
 * arguments); the public types are in union-types.ts.
 *
 * Paths: absolute union paths ("/", "/a/b"). A relative path is taken from "/".
 * "." and ".." are resolved component by component (".." at the root stays at
 * the root), symlinks resolve inside the union root (chroot semantics, ELOOP
 * after 40 hops). A trailing slash requires the result to be a directory
 * (ENOTDIR otherwise). Empty path: ENOENT. NUL in a path: EINVAL. A component
 * over 255 bytes or a path over 4096 bytes: ENAMETOOLONG.
 */
import "./dispose-symbol.ts"; // Symbol.dispose in the emitted types (see there)
import { Errno, FsError } from "./errno.ts";
import type { SetAttr, WritableLayer } from "./layer.ts";
import { Image } from "./image.ts";
import { computeChanges } from "./changes.ts";
import { copyUp } from "./copy-up.ts";
import { linkAt, mkdirAt, symlinkAt } from "./create.ts";
import { FlaggedFile, toStat } from "./file.ts";
import { boolOption, checkOptions, encodingOf, idOf, modeOf, parseFlag, toNs } from "./fs-options.ts";
import { nodeStat, nodeType } from "./lookup.ts";
import type { UnionNode } from "./lookup.ts";
import { parsePath, PATH_MAX, utf8Length } from "./path.ts";
import { isEmptyDir, mergedEntries } from "./readdir-merge.ts";
import { removeAt } from "./remove.ts";
import { renamePaths } from "./rename.ts";
import { readlinkNode, resolve, resolveNode } from "./resolve.ts";
import { UnionState } from "./union-state.ts";
import { carryHandles, freshUpper } from "./fork.ts";
import { checkOpenOptions, openFile } from "./open-file.ts";
import { readWhole, writeWhole } from "./whole-file.ts";
import { isReservedName } from "./whiteout.ts";
import { checkQuota } from "./quota.ts";
import type { Quota, Usage } from "./quota.ts";
import type {
  Change, DirEntry, OpenOptions, ReadFileOptions, ReaddirOptions, Stat, StatOptions, UnionFile, UnionOptions, WriteFileOptions,
} from "./union-types.ts";

export type {
  Change, DirEntry, OpenOptions, ReadFileOptions, ReaddirOptions, Stat, StatOptions, UnionFile, UnionOptions, WriteFileOptions,
} from "./union-types.ts";

const NO_QUOTA: Readonly<Quota> = Object.freeze({});
function disposedError(syscall: string): FsError {
  return new FsError(Errno.BADF, syscall, undefined, "the union was disposed");
}

const DEFAULT_OPTIONS: Readonly<Required<UnionOptions>> = Object.freeze({ renameDir: "deep", quota: NO_QUOTA });
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A union filesystem view: an Image's layers under one writable upper layer.
 *
 * @example
 * ```ts
 * const image = new Image([MemoryLayer.from({ "etc/hostname": "box\n" })]);
 * const fs = new Union(image, new MemoryLayer());
 * fs.writeFile("/etc/motd", "hi\n");
 * fs.unlink("/etc/hostname"); // the upper gets etc/.wh.hostname
 * fs.changes(); // [{kind:"C",path:"/etc"},{kind:"D",path:"/etc/hostname"},{kind:"A",path:"/etc/motd"}]
 * ```
 */
export class Union {
  #image: Image;
  #upper: WritableLayer;
  /** The options in effect (defaults filled in). */
  readonly options: Readonly<Required<UnionOptions>>;
  // Everything else is allocated on first use (keeps construction O(1) and tiny).
  #state: UnionState | undefined;
  #disposed = false;

  /** O(1): no copying, no walk. */
  constructor(image: Image, upper: WritableLayer, options: UnionOptions = {}) {
    this.#image = image;
    this.#upper = upper;
    const o = checkOptions(options, ["renameDir", "quota"], "union");
    const rd = o.renameDir;
    if (rd !== undefined && rd !== "deep" && rd !== "exdev") throw new FsError(Errno.INVAL, "union", undefined, "renameDir must be deep or exdev");
    const quota = o.quota === undefined ? NO_QUOTA : checkQuota(o.quota);
    this.options = (rd === undefined || rd === "deep") && quota === NO_QUOTA ? DEFAULT_OPTIONS : Object.freeze({ renameDir: rd ?? "deep", quota });
  }

  /** The read-only lower layers. After `fork()`, the image it was created with plus the frozen layers. */
  get image(): Image {
    if (this.#disposed) throw disposedError("image");
    return this.#image;
  }

  /**
   * The writable layer every change lands in (aufs/OCI form). A fresh one after `fork()` and `reset()`.
   * Read it freely; change it only through this union while the union is in use (the union caches
   * the directories it walked through and forgets only what its own changes move: core/dir-cache.ts).
   */
  get upper(): WritableLayer {
    if (this.#disposed) throw disposedError("upper");
    return this.#upper;
  }

  get #s(): UnionState {
    if (this.#disposed) throw disposedError("union");
    return (this.#state ??= new UnionState(this.#image, this.#upper, this.options.quota, (p, a, m) => this.setTimes(p, a, m, false)));
  }

  /** What the upper stores through this union since it was created or last reset/forked (core/quota.ts). O(1). */
  usage(): Usage {
    if (this.#disposed) throw disposedError("usage");
    const q = this.#state?.upper;
    return { bytes: q?.bytes ?? 0, inodes: q?.inodes ?? 0 };
  }

  /**
   * Discard every change in O(1): the union continues over its image with a
   * fresh empty upper of the same kind (WritableLayer.successor; ENOTSUP for
   * an upper without one, such as a host directory), and usage() starts at 0.
   * Open descriptors keep the objects they had open, which are no longer part
   * of the union (as files of a removed container): reads, writes and fstat
   * still work (same inode numbers), nothing they do is visible in the union,
   * and they no longer follow copy-ups.
   */
  reset(): void {
    if (this.#disposed) throw disposedError("reset");
    const next = freshUpper(this.#upper, "reset");
    this.#upper = next;
    const s = this.#state;
    if (s === undefined) return;
    if (s.idle) {
      this.#state = undefined; // nothing refers to it: the next use starts afresh (O(1), nothing to allocate now)
      return;
    }
    s.orphanHandles();
    s.rebase(this.#image, next);
  }

  /**
   * Checkpoint: freeze the upper in O(1) (no copy, no walk) into an immutable
   * layer that becomes the top lower of a new Image shared by this union and
   * the child returned. Each gets a fresh empty upper of the same kind; the
   * child has this union's options (quota included: each side's usage()
   * starts at 0 and counts only its own later changes). Inode numbers stay
   * what they were on both sides; changes() is from then on relative to the
   * new image (the snapshot), as for a container started from a committed image.
   *
   * The fork is invisible to this union's open descriptors: each continues
   * on this union's view exactly as without the fork (a writer's object is
   * copied up by reference into the new upper, O(open descriptors); a reader
   * follows this union's later changes of its file, rule 9). The child starts
   * with no descriptors, and its snapshot never changes. A descriptor whose
   * object had no name in the union any more (unlinked while open) keeps a
   * private copy (same inode number); one whose name was replaced while
   * another hard link still names its object goes on with that link (found by
   * a walk of the frozen upper, in that case only). Hard links made in the
   * upper become lower hard links of the snapshot: a later change through one
   * name copies that name up alone (rule 13). ENOTSUP for an upper that cannot
   * be frozen (a host directory).
   */
  fork(): Union {
    if (this.#disposed) throw disposedError("fork");
    const old = this.#upper;
    if (old.freezeAsLayer === undefined || old.successor === undefined) {
      throw new FsError(Errno.NOTSUP, "fork", undefined, "only a memory upper can be forked (a host directory upper cannot be frozen in O(1))");
    }
    const forParent = old.successor();
    const forChild = old.successor();
    const s = this.#state;
    const frozen = old.freezeAsLayer(s?.inodes.recorded);
    const image = new Image([...this.#image.layers, frozen]);
    this.#image = image;
    this.#upper = forParent;
    if (s !== undefined && s.idle) this.#state = undefined; // as in reset()
    else if (s !== undefined) {
      s.rebase(image, forParent);
      carryHandles(this, s, frozen);
    }
    return new Union(image, forChild, this.options);
  }

  #stat(node: UnionNode): Stat {
    return toStat(nodeStat(node), this.#s.inodes.of(node));
  }


  // ---- low-level API used by the WASI layer and the fs-style API ----

  /** Canonical absolute path of `path` (symlinks resolved; `follow` for the last component). */
  realpath(path: string, follow = true): string {
    if (typeof follow !== "boolean") throw new FsError(Errno.INVAL, "realpath", path, "follow must be a boolean");
    return "/" + resolveNode(this.#s, path, follow, "realpath").path;
  }

  /**
   * Open a file or directory (directories read-only). `options`: OpenOptions,
   * or one of node's flag strings ("r", "r+", "w", "wx", "w+", "a", "ax",
   * "a+", ...) with `mode` for a created file. Unknown options or flags: EINVAL.
   */
  open(path: string, options: OpenOptions | string = {}, mode?: number | string): UnionFile {
    const sys = "open";
    let o: OpenOptions;
    if (typeof options === "string") {
      o = parseFlag(options, sys, path);
      if (mode !== undefined) o = { ...o, mode: modeOf(mode, sys, path) };
    } else {
      if (mode !== undefined) throw new FsError(Errno.INVAL, sys, path, "a mode argument goes with a flag string; use options.mode");
      o = checkOpenOptions(options, path);
    }
    const file = openFile(this.#s, path, o, (n) => this.#stat(n));
    return o.read === false || o.append === true ? new FlaggedFile(file, o.read !== false, o.append === true) : file;
  }

  /** Directory entries sorted by name bytes, without "." and "..", whiteouts filtered. */
  readdirEntries(path: string): DirEntry[] {
    const node = resolveNode(this.#s, path, true, "readdir");
    if (nodeType(node) !== "dir") throw new FsError(Errno.NOTDIR, "readdir", path);
    return mergedEntries(this.#s, this.#s.inodes, node);
  }

  /** Set times; `follow` false acts on a symlink itself. Copy-up trigger. */
  setTimes(path: string, atimeNs: bigint | undefined, mtimeNs: bigint | undefined, follow = true): void {
    const attr: SetAttr = {};
    if (atimeNs !== undefined) attr.atimeNs = atimeNs;
    if (mtimeNs !== undefined) attr.mtimeNs = mtimeNs;
    this.#setattr(path, follow, "utimensat", attr);
  }

  #setattr(path: string, follow: boolean, sys: string, attr: SetAttr): void {
    const node = resolveNode(this.#s, path, follow, sys);
    const s = this.#s;
    const up = copyUp(s, node);
    s.upper.setattr(up.path, attr);
  }

  // ---- node:fs-style sync API ----

  /** Stat of `path`, following symlinks (`{ throwIfNoEntry: false }`: undefined when missing). */
  stat(path: string, options?: StatOptions & { throwIfNoEntry?: true }): Stat;
  stat(path: string, options: StatOptions): Stat | undefined;
  stat(path: string, options?: StatOptions): Stat | undefined {
    return this.#statWith(path, true, "stat", options);
  }

  /** Stat of `path`; a final symlink is reported itself. */
  lstat(path: string, options?: StatOptions & { throwIfNoEntry?: true }): Stat;
  lstat(path: string, options: StatOptions): Stat | undefined;
  lstat(path: string, options?: StatOptions): Stat | undefined {
    return this.#statWith(path, false, "lstat", options);
  }

  #statWith(path: string, follow: boolean, sys: string, options: StatOptions | undefined): Stat | undefined {
    if (options === undefined) return this.#stat(resolveNode(this.#s, path, follow, sys));
    const o = checkOptions(options, ["bigint", "throwIfNoEntry"], sys, path);
    if (boolOption(o, "bigint", sys, path) === true) throw new FsError(Errno.INVAL, sys, path, "bigint stats are not supported");
    const must = boolOption(o, "throwIfNoEntry", sys, path) !== false;
    try {
      return this.#stat(resolveNode(this.#s, path, follow, sys));
    } catch (e) {
      if (!must && e instanceof FsError && e.errno === Errno.NOENT) return undefined; // node: ENOENT only
      throw e;
    }
  }

  /** Does `path` name something (following symlinks)? Never throws. */
  exists(path: string): boolean {
    try {
      this.stat(path);
      return true;
    } catch {
      return false;
    }
  }

  /** Names in directory `path`, sorted by name bytes, without "." and ".." (`withFileTypes`: DirEntry objects). */
  readdir(path: string, options?: ReaddirOptions & { withFileTypes?: false }): string[];
  readdir(path: string, options: ReaddirOptions & { withFileTypes: true }): DirEntry[];
  readdir(path: string, options?: ReaddirOptions): string[] | DirEntry[] {
    const sys = "readdir";
    const o = typeof options === "string" ? { encoding: options } : checkOptions(options, ["encoding", "withFileTypes"], sys, path);
    encodingOf(o.encoding, sys, path);
    const entries = this.readdirEntries(path);
    return boolOption(o, "withFileTypes", sys, path) === true ? entries : entries.map((e) => e.name);
  }

  /**
   * Whole content of a file (`"utf8"` or `{ encoding: "utf8" }`: as a string).
   * `flag` (default "r") is node's: "a+" creates a missing file. EFBIG past 2 GiB.
   */
  readFile(path: string, options?: { encoding?: null; flag?: string }): Uint8Array;
  readFile(path: string, options: "utf8" | "utf-8" | { encoding: "utf8" | "utf-8"; flag?: string }): string;
  readFile(path: string, options?: ReadFileOptions): Uint8Array | string;
  readFile(path: string, options?: ReadFileOptions): Uint8Array | string {
    const sys = "readFile";
    const o = typeof options === "string" ? { encoding: options } : checkOptions(options, ["encoding", "flag"], sys, path);
    const encoding = encodingOf(o.encoding, sys, path);
    const f = this.open(path, o.flag === undefined ? {} : parseFlag(o.flag, sys, path));
    try {
      const out = readWhole(f, path);
      return encoding === "utf8" ? decoder.decode(out) : out.slice();
    } finally {
      f.close();
    }
  }

  /**
   * Write `data` to `path`. `flag` is node's (default "w": create or truncate;
   * "a" appends, "wx" refuses an existing file, "r+" overwrites in place);
   * `mode` is for a created file. A lower file is copied up.
   */
  writeFile(path: string, data: string | Uint8Array, options?: WriteFileOptions): void {
    this.#writeWith("writeFile", path, data, options, "w");
  }

  /** Append `data` to `path`, creating it (node's appendFile; default flag "a"). */
  appendFile(path: string, data: string | Uint8Array, options?: WriteFileOptions): void {
    this.#writeWith("appendFile", path, data, options, "a");
  }

  #writeWith(sys: string, path: string, data: string | Uint8Array, options: WriteFileOptions | undefined, defaultFlag: string): void {
    const o = typeof options === "string" ? { encoding: options } : checkOptions(options, ["encoding", "mode", "flag"], sys, path);
    encodingOf(o.encoding, sys, path);
    let bytes: Uint8Array;
    if (typeof data === "string") bytes = encoder.encode(data);
    else if (data instanceof Uint8Array) bytes = data;
    else throw new FsError(Errno.INVAL, sys, path, "data must be a string or a Uint8Array");
    const flags = parseFlag(o.flag ?? defaultFlag, sys, path);
    if (!flags.write) throw new FsError(Errno.BADF, sys, path, `flag '${String(o.flag)}' does not open for writing`);
    const mode = o.mode === undefined ? 0o644 : modeOf(o.mode, sys, path);
    // Under a quota, a file this call creates goes again if its data does not fit: all or nothing.
    const creating = this.options.quota !== NO_QUOTA && flags.create === true && this.lstat(path, { throwIfNoEntry: false }) === undefined;
    const f = this.open(path, { ...flags, mode });
    try {
      writeWhole(f, bytes, path);
    } catch (e) {
      if (creating && e instanceof FsError && e.errno === Errno.NOSPC) {
        f.close();
        this.unlink(path);
      }
      throw e;
    } finally {
      f.close();
    }
  }

  /**
   * Create a directory (default mode 0o755): `mkdir(path, mode)` or
   * `mkdir(path, { mode, recursive })`; `recursive` creates missing parents and
   * accepts an existing directory.
   */
  mkdir(path: string, options?: number | string | { mode?: number | string; recursive?: boolean }): void {
    const sys = "mkdir";
    let mode = 0o755;
    let recursive = false;
    if (typeof options === "number" || typeof options === "string") {
      mode = modeOf(options, sys, path);
    } else {
      const o = checkOptions(options, ["mode", "recursive"], sys, path);
      if (o.mode !== undefined) mode = modeOf(o.mode, sys, path);
      recursive = boolOption(o, "recursive", sys, path) === true;
    }
    if (!recursive) return this.#mkdirOne(path, mode);
    const parsed = parsePath(path, "mkdir");
    const abs = parsed.components;
    let prefix = "";
    for (let i = 0; i < abs.length; i++) {
      prefix += "/" + abs[i];
      const r = resolve(this.#s, prefix, true, "mkdir");
      if (r.node === undefined) {
        this.#mkdirOne(prefix, mode);
      } else if (nodeType(r.node) !== "dir") {
        throw new FsError(i === abs.length - 1 ? Errno.EXIST : Errno.NOTDIR, "mkdir", path);
      }
    }
  }

  #mkdirOne(path: string, mode: number): void {
    const r = resolve(this.#s, path, false, "mkdir");
    if (r.node !== undefined || r.dotOrRoot) throw new FsError(Errno.EXIST, "mkdir", path);
    if (isReservedName(r.name)) throw new FsError(Errno.PERM, "mkdir", path, "reserved whiteout name");
    mkdirAt(this.#s, r.dir, r.name, { mode });
  }

  /** Remove an empty directory (a whiteout hides a lower one). Takes no options (node's `recursive` is EINVAL: use a tree walk). */
  rmdir(path: string, options?: Record<string, never>): void {
    const sys = "rmdir";
    checkOptions(options, [], sys, path);
    const r = resolve(this.#s, path, "raw", sys);
    if (r.dotOrRoot) throw new FsError(r.name === "." ? Errno.INVAL : r.name === ".." ? Errno.NOTEMPTY : Errno.BUSY, sys, path);
    const node = r.node;
    if (node === undefined) throw new FsError(Errno.NOENT, sys, path);
    if (nodeType(node) !== "dir") throw new FsError(Errno.NOTDIR, sys, path);
    if (!isEmptyDir(this.#s, node)) throw new FsError(Errno.NOTEMPTY, sys, path);
    removeAt(this.#s, r.dir, r.name, node);
  }

  /** Remove a non-directory (a whiteout hides a lower one). */
  unlink(path: string): void {
    const sys = "unlink";
    const r = resolve(this.#s, path, "raw", sys);
    if (r.dotOrRoot) throw new FsError(Errno.ISDIR, sys, path);
    const node = r.node;
    if (node === undefined) throw new FsError(Errno.NOENT, sys, path);
    if (nodeType(node) === "dir") throw new FsError(Errno.ISDIR, sys, path);
    if (r.trailingSlash) throw new FsError(Errno.NOTDIR, sys, path);
    removeAt(this.#s, r.dir, r.name, node);
  }

  /** Atomic rename; directories with lower content follow `options.renameDir`. */
  rename(from: string, to: string): void {
    renamePaths(this.#s, from, to, this.options.renameDir);
  }

  /**
   * node order: symlink(target, path). Absolute targets are stored as given and
   * resolve inside the union (image building needs them; the WASI front-ends
   * refuse them from a guest unless allowAbsoluteSymlinks). `type` (node's
   * Windows hint) may be "file", "dir" or "junction" and changes nothing.
   */
  symlink(target: string, path: string, type?: "file" | "dir" | "junction" | null): void {
    const sys = "symlink";
    if (type !== undefined && type !== null && type !== "file" && type !== "dir" && type !== "junction") {
      throw new FsError(Errno.INVAL, sys, path, `type must be "file", "dir" or "junction", got ${String(type)}`);
    }
    if (typeof target !== "string" || target === "") throw new FsError(Errno.NOENT, sys, path);
    if (target.indexOf("\0") >= 0) throw new FsError(Errno.INVAL, sys, path);
    if (utf8Length(target) >= PATH_MAX) throw new FsError(Errno.NAMETOOLONG, sys, path);
    const r = resolve(this.#s, path, "raw", sys);
    if (r.node !== undefined || r.dotOrRoot) throw new FsError(Errno.EXIST, sys, path);
    if (r.trailingSlash) throw new FsError(Errno.NOENT, sys, path);
    if (isReservedName(r.name)) throw new FsError(Errno.PERM, sys, path, "reserved whiteout name");
    symlinkAt(this.#s, r.dir, r.name, target);
  }

  /** Target of the symlink `path` (as a string: `options` may only name the utf8 encoding). */
  readlink(path: string, options?: "utf8" | "utf-8" | { encoding?: "utf8" | "utf-8" | null }): string {
    const o = typeof options === "string" ? { encoding: options } : checkOptions(options, ["encoding"], "readlink", path);
    if (o.encoding !== undefined && o.encoding !== null && encodingOf(o.encoding, "readlink", path) !== "utf8") {
      throw new FsError(Errno.INVAL, "readlink", path, "readlink returns a string: utf8 only");
    }
    const node = resolveNode(this.#s, path, false, "readlink");
    if (nodeType(node) !== "symlink") throw new FsError(Errno.INVAL, "readlink", path);
    return readlinkNode(this.#s, node);
  }

  /** Hard link; does not follow a symlink source (node/Linux linkat default). */
  link(existing: string, newPath: string): void {
    const sys = "link";
    const src = resolveNode(this.#s, existing, false, sys);
    const r = resolve(this.#s, newPath, "raw", sys);
    if (r.node !== undefined || r.dotOrRoot) throw new FsError(Errno.EXIST, sys, newPath);
    if (r.trailingSlash) throw new FsError(Errno.NOENT, sys, newPath);
    if (nodeType(src) === "dir") throw new FsError(Errno.PERM, sys, existing);
    if (isReservedName(r.name)) throw new FsError(Errno.PERM, sys, newPath, "reserved whiteout name");
    const s = this.#s;
    const up = copyUp(s, src); // rule 13: link() to a lower file copies it up first
    linkAt(s, up.path, r.dir, r.name);
  }

  /** Set permission bits (following symlinks; an integer or an octal string). Copy-up trigger. */
  chmod(path: string, mode: number | string): void {
    this.#setattr(path, true, "chmod", { mode: modeOf(mode, "chmod", path) });
  }

  /** Set owner and group (-1 leaves one unchanged), following symlinks. Copy-up trigger. */
  chown(path: string, uid: number, gid: number): void {
    idOf(uid, "uid", "chown", path);
    idOf(gid, "gid", "chown", path);
    const attr: SetAttr = {};
    if (uid !== -1) attr.uid = uid;
    if (gid !== -1) attr.gid = gid;
    const node = resolveNode(this.#s, path, true, "chown");
    // Linux: chown of a non-directory drops set-user-ID, and set-group-ID when group-executable.
    const mode = nodeStat(node).mode;
    if (nodeType(node) === "file") {
      const kill = 0o4000 | ((mode & 0o010) !== 0 ? 0o2000 : 0);
      if ((mode & kill) !== 0) attr.mode = mode & ~kill;
    }
    const s = this.#s;
    const up = copyUp(s, node);
    s.upper.setattr(up.path, attr);
  }

  /** Times in seconds (number) or Date, as node:fs. */
  utimes(path: string, atime: number | Date, mtime: number | Date): void {
    this.setTimes(path, toNs(atime), toNs(mtime), true);
  }

  /** utimes on a symlink itself. */
  lutimes(path: string, atime: number | Date, mtime: number | Date): void {
    this.setTimes(path, toNs(atime), toNs(mtime), false);
  }

  /** Set the size of a file (following symlinks). Copy-up trigger. */
  truncate(path: string, length = 0): void {
    if (!Number.isSafeInteger(length) || length < 0) throw new FsError(Errno.INVAL, "truncate", path);
    const node = resolveNode(this.#s, path, true, "truncate");
    if (nodeType(node) === "dir") throw new FsError(Errno.ISDIR, "truncate", path);
    const s = this.#s;
    const up = copyUp(s, node, length === 0);
    const f = s.upper.openWrite(up.path);
    try {
      f.truncate(length);
    } finally {
      f.close();
    }
  }

  /**
   * Done with this union: release its upper layer (Layer.close: a host
   * upper's lock, pooled descriptors and empty work directory), after which
   * changes fail with EBADF. Close open files first. The image may be shared
   * by other unions, so its layers are left alone (`image.close()`). Idempotent.
   */
  close(): void {
    this.#upper.close?.();
  }

  /**
   * Done with this union and everything it wrote: close() it, then dispose
   * its upper (WritableLayer.dispose: a memory upper's chunk buffers go to
   * the chunk pool, so the next union's writes reuse them instead of
   * faulting in fresh memory). Every later call on the union throws EBADF,
   * and so does every call through a descriptor on a file of the upper.
   * Read what you need first (changes(), commit, export); close() instead
   * keeps the upper. The image is left alone (other unions may share it).
   * Idempotent; also `using fs = new Union(...)`.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#state = undefined;
    this.#upper.close?.();
    this.#upper.dispose?.();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Whether dispose() was called. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** docker diff of the upper against the image, sorted by path. */
  changes(): Change[] {
    if (this.#disposed) throw disposedError("changes");
    return computeChanges(this.#image, this.#upper);
  }
}

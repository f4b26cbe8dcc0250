/**
 * DirLayer: a host directory as a layer, read-only (a lower) or writable (the
 * upper). Written only against HostFs (src/host/host-fs.ts), so it stays
 * platform-neutral; src/host/node.ts and src/host/deno.ts inject the host.
 *
 * On-disk format: aufs/OCI. Whiteouts are empty `.wh.NAME` files, an opaque
 * directory holds `.wh..wh..opq`; both are stored and reported verbatim (the
 * union interprets them). Lowers in overlayfs format are read too: a char
 * device 0:0 named X is reported as an empty file `.wh.X`. (The overlayfs
 * opaque xattr is not read: neither node:fs nor Deno can read xattrs.)
 * Other special files (FIFOs, sockets, other devices) are not shown.
 *
 * Containment: the layer never follows a host symlink. Every parent component
 * of a layer path is checked with lstat to be a real directory (cached per
 * layer; a writable layer drops the cache when it renames or removes a
 * directory), final components are acted on with no-follow calls (lstat,
 * O_NOFOLLOW or an lstat/fstat identity check, rename, unlink, lchown,
 * lutimes), and paths with "..", NUL, or a leading "/" are refused. This
 * holds as long as nobody else swaps directories for symlinks inside the
 * layer while it is mounted (layers are immutable while mounted; the upper is
 * ours).
 *
 * Atomicity: every new entry (file, copied-up file, directory, symlink) is
 * built in a work directory outside the layer tree and renamed into place, so
 * a failing write or a crash never leaves a partial entry visible (except an
 * empty file whose attributes one open(O_CREAT|O_EXCL) already gets exactly:
 * that is created in place, which is just as atomic); copy-up
 * uses a reflink when the source is another DirLayer's file and the host
 * filesystem can clone, and fsyncs before the rename (option `durable`).
 * removeTree first renames the directory into the work directory.
 *
 * Exclusive use: a writable layer holds a lock beside its directory while open
 * (dir-lock.ts), so a second opener in any process fails with LayerInUseError.
 *
 * Descriptors (the ownership rule of core/layer.ts): a DirFile owns one host
 * descriptor until closed. A read-only layer's files also offer a
 * contentSource() that a memory upper keeps for lazy copy-up; those reopen
 * the file by path on demand through a pool of at most SOURCE_POOL_MAX
 * descriptors (least recently used closed first), each reopen checked to be
 * the same (dev, ino) object: a lower is immutable while mounted. `close()`
 * empties the pool, so a memory upper over this lower never pins one
 * descriptor per copied-up file.
 */
import { Errno, FsError, errnoOf } from "../core/errno.ts";
import type {
  ContentSource, EntryStat, Layer, LayerFile, NewEntryAttr, SetAttr, WritableLayerFile,
} from "../core/layer.ts";
import { WHITEOUT_META_PREFIX, WHITEOUT_PREFIX, baseName, childPath, nowNs, parentPath } from "../core/layer.ts";
import type { HostFs, HostStat } from "../host/host-fs.ts";
import { defaultLockDir, lockLayer } from "./dir-lock.ts";
import type { LayerLock } from "./dir-lock.ts";

export interface DirLayerOptions<W extends boolean = boolean> {
  /** Accept writes (default false: a read-only lower layer; mutations throw EROFS). */
  writable?: W;
  /**
   * Where temporary files live before being renamed into place. Must be on the
   * same filesystem as the layer and outside it. Default: a hidden sibling
   * `<root>/../.<name>.layerfs-work`, created on first use.
   */
  workDir?: string;
  /** fsync copied-up files before renaming them into place (default true). */
  durable?: boolean;
  /**
   * A writable layer locks its directory while open (default true), so a
   * second opener, in this process or another (Node or Deno), fails with a
   * LayerInUseError naming the holder's pid until `close()` or process exit
   * (dir-lock.ts). False: no lock, for a directory shared on purpose.
   */
  lock?: boolean;
}

const COPY_CHUNK = 1 << 18;
/** Bounds of the complete-listing cache (directories, names per directory). */
const LISTINGS_MAX = 1024;
const LISTING_NAMES_MAX = 16384;
const MAX_SAFE_INO = BigInt(Number.MAX_SAFE_INTEGER);
/** Inodes 1 .. 2**31-1 on the layer root's device are used as ids directly; other objects get ids above. */
const DIRECT_ID_LIMIT = 2n ** 31n;
/** Bound of the absent-path cache (cleared when full). */
const ABSENT_CACHE_MAX = 4096;
/** Descriptors a read-only layer keeps open for contentSource reads (least recently used closed first). */
const SOURCE_POOL_MAX = 16;

function isOverlayWhiteout(st: HostStat): boolean {
  return st.kind === "char" && st.rdev === 0n;
}

function isShown(st: HostStat): boolean {
  return st.kind === "file" || st.kind === "dir" || st.kind === "symlink";
}

/** `.wh.X` -> "X" for a whiteout name (not the `.wh..wh.` meta names), else undefined. */
function whiteoutTarget(name: string): string | undefined {
  if (!name.startsWith(WHITEOUT_PREFIX) || name.startsWith(WHITEOUT_META_PREFIX)) return undefined;
  const target = name.slice(WHITEOUT_PREFIX.length);
  return target === "" ? undefined : target;
}

/** Rethrow as an FsError naming the layer path (never the host path). */
function fail(e: unknown, syscall: string, path: string): FsError {
  return new FsError(errnoOf(e), syscall, path);
}

export class DirLayer<W extends boolean = false> implements Layer {
  readonly writable: W;
  readonly host: HostFs;
  /** Canonical host path of the layer directory. */
  readonly root: string;
  /** Host path of the work directory (writable layers only). */
  readonly workDir: string | undefined;
  private readonly durable: boolean;
  /**
   * Host identity -> layer id for objects whose inode is not their id (see
   * idOf); keyed by the inode alone (as a number: Map lookups by BigInt are
   * slow) on the root's device, by a string elsewhere.
   */
  private readonly ids = new Map<number | string, number>();
  private readonly rootDev: bigint;
  /** Ids of objects not named by their inode (see idOf) count up from DIRECT_ID_LIMIT. */
  private nextId = Number(DIRECT_ID_LIMIT);
  /** Layer-relative directories already checked to be real directories (not symlinks). */
  private readonly dirs = new Set<string>();
  /**
   * Layer paths where the host has nothing (lstat found no entry, and for a
   * `.wh.X` name no overlayfs whiteout X either), bounded. A union asks the
   * upper about the same missing names (`X`, `.wh.X`, the opaque marker) on
   * every lookup; this answers them without a host call. Valid under the same
   * rule as `dirs` (nobody else changes the layer while it is mounted); every
   * mutation through this layer drops the paths it may change (`changed`).
   */
  private readonly absent = new Set<string>();
  /**
   * Stats of directories (bounded), under the same rule: a union stats the
   * directories on a path (the upper root first) on every lookup. A mutation
   * drops the entry it changes and its parent (`changed`); `readdir` drops its
   * directory (the host may update atime).
   */
  private readonly dirStats = new Map<string, EntryStat>();
  /**
   * Complete listings (every host name) of directories of a writable layer
   * that it created itself or has listed, kept current by its own mutations
   * (bounded). A name missing from its parent's listing is absent without a
   * host call: a union looks up each new name, and its `.wh.` sibling, before
   * creating it. Same validity rule as `dirs`. Names are added before a
   * creation is attempted and removed only after a removal succeeded, so a
   * listing may hold a name too many (then the host is asked), never too few.
   */
  private readonly listings = new Map<string, Set<string>>();
  /**
   * Paths of a writable layer that `stat` found to be a regular file or a
   * symlink (bounded), under the same rule as the other caches and dropped
   * by `changed`: unlink of such a path needs no lstat first.
   */
  private readonly nonDirs = new Set<string>();
  private workReady = false;
  private tmpCounter = 0;
  /**
   * Read-only descriptors behind contentSource() reads, by host path, least
   * recently used first (bounded: SOURCE_POOL_MAX). A memory upper over this
   * lower keeps one source per copied-up file; they share these few descriptors.
   */
  private readonly sourcePool = new Map<string, { fd: number; dev: bigint; ino: bigint }>();
  private closed = false;
  /** Held while a writable layer is open (DirLayerOptions.lock). */
  private lock: LayerLock | undefined;

  constructor(host: HostFs, rootDir: string, options: DirLayerOptions<W> = {}) {
    this.host = host;
    // The root is the user's choice: resolve it once (a symlinked root is fine).
    this.root = host.realpath(rootDir);
    const rootSt = host.lstat(this.root);
    if (rootSt.kind !== "dir") throw new FsError(Errno.NOTDIR, "DirLayer", rootDir);
    this.rootDev = rootSt.dev;
    this.writable = (options.writable ?? false) as W;
    this.durable = options.durable ?? true;
    if (this.writable) {
      const wd = options.workDir ?? defaultWorkDir(this.root);
      const canon = canonicalWorkDir(host, wd);
      if (canon === this.root || canon.startsWith(this.root === "/" ? "/" : this.root + "/")) {
        throw new FsError(Errno.INVAL, "DirLayer", wd, "the work directory must be outside the layer directory");
      }
      this.workDir = canon;
      // Last: nothing after it may throw and leave the lock held.
      if (options.lock !== false && host.processes !== undefined) {
        this.lock = lockLayer(host, host.processes, this.root, defaultLockDir(this.root, canon));
      }
    }
  }

  // ---------------------------------------------------------------- paths

  /** Defensive check of a layer-relative path (the union already normalises them). */
  private validate(path: string, syscall: string): void {
    if (typeof path !== "string") throw new FsError(Errno.INVAL, syscall);
    if (path === "") return;
    if (path.includes("\0")) throw new FsError(Errno.INVAL, syscall, path);
    if (path.startsWith("/")) throw new FsError(Errno.NOTCAPABLE, syscall, path);
    // Component by component without allocating (this runs on every layer call).
    let start = 0;
    for (let i = 0; i <= path.length; i++) {
      if (i < path.length && path.charCodeAt(i) !== 47 /* / */) continue;
      const len = i - start;
      const dot = len > 0 && path.charCodeAt(start) === 46; /* . */
      if (len === 2 && dot && path.charCodeAt(start + 1) === 46) throw new FsError(Errno.NOTCAPABLE, syscall, path);
      if (len === 0 || (len === 1 && dot)) throw new FsError(Errno.INVAL, syscall, path);
      start = i + 1;
    }
  }

  private hostPath(path: string): string {
    if (path === "") return this.root;
    return this.root.endsWith("/") ? this.root + path : this.root + "/" + path;
  }

  /** Check every parent component of `path` is a real directory (lstat: a symlink is not one). */
  private checkParents(path: string, syscall: string): void {
    // `dirs` holds a directory only with all its ancestors (added top-down, forgotten by subtree):
    // a checked parent answers for the whole chain.
    const slash = path.lastIndexOf("/");
    if (slash < 0 || this.dirs.has(path.slice(0, slash))) return;
    let i = path.indexOf("/");
    while (i >= 0) {
      const dir = path.slice(0, i);
      if (!this.dirs.has(dir)) {
        let st: HostStat;
        try { st = this.host.lstat(this.hostPath(dir)); } catch (e) {
          // `.wh.X` standing for an overlayfs whiteout X is a file: ENOTDIR through it.
          if (errnoOf(e) === Errno.NOENT && this.overlayWhiteout(dir, syscall)) throw new FsError(Errno.NOTDIR, syscall, path);
          throw fail(e, syscall, path);
        }
        if (st.kind !== "dir") throw new FsError(isShown(st) ? Errno.NOTDIR : Errno.NOENT, syscall, path);
        this.dirs.add(dir);
      }
      i = path.indexOf("/", i + 1);
    }
  }

  /** Validated host path of `path` whose parents are real directories. */
  private resolve(path: string, syscall: string): string {
    this.validate(path, syscall);
    this.checkParents(path, syscall);
    return this.hostPath(path);
  }

  private lstatOrUndefined(hostPath: string, syscall: string, path: string): HostStat | undefined {
    if (this.host.lstatIfExists !== undefined) {
      try { return this.host.lstatIfExists(hostPath); } catch (e) { throw fail(e, syscall, path); }
    }
    try { return this.host.lstat(hostPath); } catch (e) {
      const errno = errnoOf(e);
      if (errno === Errno.NOENT || errno === Errno.NOTDIR) return undefined;
      throw fail(e, syscall, path);
    }
  }

  /** The overlayfs char-device whiteout that `.wh.X` at `path` stands for, if any. */
  private overlayWhiteout(path: string, syscall: string): { hostPath: string; st: HostStat } | undefined {
    const target = whiteoutTarget(baseName(path));
    if (target === undefined) return undefined;
    const tp = childPath(parentPath(path), target);
    if (this.absent.has(tp)) return undefined; // nothing at X, so no char device either
    const hp = this.hostPath(tp);
    const st = this.lstatOrUndefined(hp, syscall, path);
    return st && isOverlayWhiteout(st) ? { hostPath: hp, st } : undefined;
  }

  /**
   * The entry at `path` was created, removed or changed through this layer:
   * drop what the caches say about it, about `.wh.NAME` beside it (an
   * overlayfs whiteout is read through that name) and about its parent
   * directory (its times and size change).
   */
  private changed(path: string): void {
    this.absent.delete(path);
    this.dirStats.delete(path);
    this.nonDirs.delete(path);
    if (path === "") return;
    const dir = parentPath(path);
    this.dirStats.delete(dir);
    this.absent.delete(childPath(dir, WHITEOUT_PREFIX + baseName(path)));
  }

  /** Is `path` absent according to its parent's complete listing? */
  private unlisted(path: string): boolean {
    if (path === "" || this.listings.size === 0) return false;
    const slash = path.lastIndexOf("/");
    const names = this.listings.get(slash < 0 ? "" : path.slice(0, slash));
    if (names === undefined) return false;
    const name = slash < 0 ? path : path.slice(slash + 1);
    if (names.has(name)) return false;
    // `.wh.X` is there when X is an overlayfs char-device whiteout.
    const target = whiteoutTarget(name);
    return target === undefined || !names.has(target);
  }

  private listAdd(path: string): void {
    if (this.listings.size === 0) return;
    const slash = path.lastIndexOf("/");
    this.listings.get(slash < 0 ? "" : path.slice(0, slash))?.add(slash < 0 ? path : path.slice(slash + 1));
  }

  private listRemove(path: string): void {
    if (this.listings.size === 0) return;
    const slash = path.lastIndexOf("/");
    this.listings.get(slash < 0 ? "" : path.slice(0, slash))?.delete(slash < 0 ? path : path.slice(slash + 1));
  }

  /** Start (or restart) the complete listing of directory `path` with `names`. */
  private listStart(path: string, names: Iterable<string>): void {
    if (!this.writable) return; // lowers are indexed by the union instead
    if (this.listings.size >= LISTINGS_MAX) this.listings.clear();
    const set = new Set(names);
    if (set.size <= LISTING_NAMES_MAX) this.listings.set(path, set);
  }

  /**
   * Directories at `paths` are about to be moved or removed: whole subtrees
   * change, so drop every cached stat and every listing and checked directory
   * at or below them. Forgetting is always safe, so this runs before the host
   * call (a failed call only costs the caches).
   */
  private changedSubtrees(...paths: string[]): void {
    this.absent.clear();
    this.dirStats.clear();
    this.nonDirs.clear();
    for (const path of paths) {
      if (path === "") { this.listings.clear(); this.dirs.clear(); continue; }
      const prefix = path + "/";
      for (const d of this.listings.keys()) if (d === path || d.startsWith(prefix)) this.listings.delete(d);
      for (const d of this.dirs) if (d === path || d.startsWith(prefix)) this.dirs.delete(d);
    }
  }

  // ---------------------------------------------------------------- stats

  private idOf(st: HostStat): number {
    const ino = st.ino;
    const rootDev = st.dev === this.rootDev;
    // Small inodes on the root's device are their own id: no table entry per object.
    if (rootDev && ino > 0n && ino < DIRECT_ID_LIMIT) return Number(ino);
    const key = rootDev && ino <= MAX_SAFE_INO ? Number(ino) : `${st.dev}:${ino}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.nextId++;
      if (id >= 2 ** 32) throw new FsError(Errno.OVERFLOW, "stat", undefined, "too many objects");
      this.ids.set(key, id);
    }
    return id;
  }

  /** @internal EntryStat of a host stat result. */
  entryOf(st: HostStat): EntryStat {
    return {
      type: st.kind === "dir" ? "dir" : st.kind === "symlink" ? "symlink" : "file",
      mode: st.mode,
      uid: st.uid,
      gid: st.gid,
      size: isShown(st) ? st.size : 0,
      nlink: st.nlink,
      id: this.idOf(st),
      atimeNs: st.atimeNs,
      mtimeNs: st.mtimeNs,
      ctimeNs: st.ctimeNs,
    };
  }

  // ---------------------------------------------------------------- Layer

  stat(path: string): EntryStat | undefined {
    // Only validated paths enter the caches: a hit needs no validation.
    const cached = this.dirStats.get(path);
    if (cached !== undefined) return cached;
    if (this.absent.has(path)) return undefined;
    this.validate(path, "stat");
    if (this.unlisted(path)) return undefined;
    const found = this.statUncached(path);
    if (found === undefined) {
      if (this.absent.size >= ABSENT_CACHE_MAX) this.absent.clear();
      if (this.hostAbsent) this.absent.add(path);
    } else if (found.type === "dir") {
      if (this.dirStats.size >= ABSENT_CACHE_MAX) this.dirStats.clear();
      this.dirStats.set(path, Object.freeze(found)); // shared by every caller: frozen
    }
    return found;
  }

  /** Set by statUncached: the host had no entry at all (not merely one that is not shown). */
  private hostAbsent = false;

  private statUncached(path: string): EntryStat | undefined {
    this.hostAbsent = false;
    try { this.checkParents(path, "stat"); } catch (e) {
      const errno = errnoOf(e);
      if (errno === Errno.NOENT || errno === Errno.NOTDIR) return undefined;
      throw e;
    }
    const st = this.lstatOrUndefined(this.hostPath(path), "stat", path);
    if (st) {
      if (!isShown(st)) return undefined;
      if (this.writable && st.kind !== "dir") {
        if (this.nonDirs.size >= ABSENT_CACHE_MAX) this.nonDirs.clear();
        this.nonDirs.add(path);
      }
      return this.entryOf(st);
    }
    this.hostAbsent = true;
    const wh = this.overlayWhiteout(path, "stat");
    return wh ? this.entryOf(wh.st) : undefined;
  }

  /**
   * stat of many names in one directory (the lower index stats whole
   * listings): the directory is validated and checked once, then one lstat per
   * name. Same answers as `stat` for each.
   */
  statChildren(dir: string, names: readonly string[]): (EntryStat | undefined)[] {
    const out: (EntryStat | undefined)[] = new Array(names.length);
    this.validate(dir, "stat");
    let dirOk = dir === "" || this.dirs.has(dir);
    if (!dirOk) {
      const st = this.stat(dir); // checks the parents, answers from the caches where it can
      // A "dir" stat comes only from an lstat of a real directory whose parents were checked.
      dirOk = st !== undefined && st.type === "dir";
      if (!dirOk) {
        for (let i = 0; i < names.length; i++) out[i] = this.stat(childPath(dir, names[i]!));
        return out;
      }
      // A real directory (lstat said so): its children's parent chain is checked.
      this.dirs.add(dir);
    }
    const prefix = this.hostPath(dir) + (dir === "" && this.root.endsWith("/") ? "" : "/");
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      // Plain names only; anything else takes the careful path.
      if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) {
        out[i] = this.stat(childPath(dir, name));
        continue;
      }
      // Names just listed: straight to the host (the caches would rarely answer).
      let st: HostStat | undefined;
      try { st = this.lstatOrUndefined(prefix + name, "stat", name); } catch (e) { throw fail(e, "stat", childPath(dir, name)); }
      if (st !== undefined) {
        out[i] = isShown(st) ? this.entryOf(st) : undefined;
        // A real directory under a checked one: readdir skips its lstat.
        if (st.kind === "dir") this.dirs.add(dir === "" ? name : dir + "/" + name);
        continue;
      }
      // Nothing there: `.wh.X` may stand for an overlayfs whiteout X (stat decides and caches).
      out[i] = this.stat(childPath(dir, name));
    }
    return out;
  }

  readdir(path: string): string[] {
    this.dirStats.delete(path);
    const hp = this.resolve(path, "readdir");
    // A directory already checked to be a real one (not a symlink the host would follow) needs no lstat.
    if (!this.dirs.has(path)) {
      const st = this.lstatOrUndefined(hp, "readdir", path);
      if (!st || !isShown(st)) {
        const errno = !st && this.overlayWhiteout(path, "readdir") ? Errno.NOTDIR : Errno.NOENT;
        throw new FsError(errno, "readdir", path);
      }
      if (st.kind !== "dir") throw new FsError(Errno.NOTDIR, "readdir", path);
      if (path !== "") this.dirs.add(path);
    }
    let entries;
    try { entries = this.host.readdir(hp); } catch (e) { throw fail(e, "readdir", path); }
    this.listStart(path, entries.map((e) => e.name));
    const names = new Set<string>();
    for (const e of entries) {
      if (e.kind === "file" || e.kind === "dir" || e.kind === "symlink") { names.add(e.name); continue; }
      if (e.kind !== "char" && e.kind !== "unknown") continue;
      const cst = this.lstatOrUndefined(hp.endsWith("/") ? hp + e.name : hp + "/" + e.name, "readdir", path);
      if (!cst) continue;
      if (isOverlayWhiteout(cst)) names.add(WHITEOUT_PREFIX + e.name);
      else if (isShown(cst)) names.add(e.name);
    }
    return [...names];
  }

  readlink(path: string): string {
    const hp = this.resolve(path, "readlink");
    const st = this.lstatOrUndefined(hp, "readlink", path);
    if (!st || !isShown(st)) {
      const errno = !st && this.overlayWhiteout(path, "readlink") ? Errno.INVAL : Errno.NOENT;
      throw new FsError(errno, "readlink", path);
    }
    if (st.kind !== "symlink") throw new FsError(Errno.INVAL, "readlink", path);
    try { return this.host.readlink(hp); } catch (e) { throw fail(e, "readlink", path); }
  }

  open(path: string): LayerFile {
    return this.openFile(path, false, "open");
  }

  private openFile(path: string, write: boolean, syscall: string): DirFile {
    const hp = this.resolve(path, syscall);
    if (this.host.openNoFollow === true) return this.openNoFollow(path, hp, write, syscall);
    const st = this.lstatOrUndefined(hp, syscall, path);
    if (!st) {
      const wh = !write ? this.overlayWhiteout(path, syscall) : undefined;
      if (wh) return new DirFile(this, -1, hp, false, wh.st);
      throw new FsError(Errno.NOENT, syscall, path);
    }
    if (st.kind === "dir") throw new FsError(Errno.ISDIR, syscall, path);
    if (st.kind === "symlink") throw new FsError(Errno.LOOP, syscall, path);
    if (st.kind !== "file") throw new FsError(Errno.NOENT, syscall, path); // devices, FIFOs: not shown
    let fd: number;
    try { fd = this.host.open(hp, { write }); } catch (e) { throw fail(e, syscall, path); }
    try {
      // The descriptor must be the object lstat saw (no swap between the two calls).
      const now = this.host.fstat(fd);
      if (now.dev !== st.dev || now.ino !== st.ino || now.kind !== "file") {
        throw new FsError(Errno.IO, syscall, path, "path changed while opening");
      }
    } catch (e) {
      this.closeQuietly(fd);
      throw fail(e, syscall, path);
    }
    return new DirFile(this, fd, hp, write, st);
  }

  /**
   * openFile where the host's open refuses a final symlink itself (O_NOFOLLOW,
   * O_NONBLOCK): open, then fstat the descriptor (2 host calls instead of
   * lstat + open + fstat). Only regular files are kept open.
   */
  private openNoFollow(path: string, hp: string, write: boolean, syscall: string): DirFile {
    let fd: number;
    try { fd = this.host.open(hp, { write }); } catch (e) {
      const errno = errnoOf(e);
      if (errno === Errno.NOENT) {
        const wh = !write ? this.overlayWhiteout(path, syscall) : undefined;
        if (wh) return new DirFile(this, -1, hp, false, wh.st);
      }
      // ELOOP: a symlink; ENXIO: a socket or device without driver (not shown: ENOENT).
      throw new FsError(errno === Errno.NXIO || errno === Errno.NOTDIR ? Errno.NOENT : errno, syscall, path);
    }
    // `stat` saw a file or symlink here and nothing changed since: an O_NOFOLLOW open that worked opened that file.
    if (this.nonDirs.has(path)) return new DirFile(this, fd, hp, write, undefined);
    let st: HostStat;
    try { st = this.host.fstat(fd); } catch (e) {
      this.closeQuietly(fd);
      throw fail(e, syscall, path);
    }
    if (st.kind !== "file") {
      this.closeQuietly(fd);
      throw new FsError(st.kind === "dir" ? Errno.ISDIR : Errno.NOENT, syscall, path);
    }
    return new DirFile(this, fd, hp, write, st);
  }

  // ---------------------------------------------------------------- WritableLayer

  private requireWritable(syscall: string, path: string): void {
    if (!this.writable) throw new FsError(Errno.ROFS, syscall, path);
    if (this.closed) throw new FsError(Errno.BADF, syscall, path, "layer closed");
  }

  /**
   * Host path for creating `path`: parents are real directories and the name is
   * free, or (`overWhiteout`) taken only by an overlayfs char-device whiteout,
   * which the new entry replaces (same-layer `X` beats `.wh.X` anyway).
   */
  private prepareCreate(path: string, syscall: string): { hp: string; overWhiteout: boolean } {
    this.requireWritable(syscall, path);
    if (path === "") { this.validate(path, syscall); throw new FsError(Errno.EXIST, syscall, path); }
    const hp = this.resolve(path, syscall);
    this.changed(path);
    this.listAdd(path);
    const st = this.lstatOrUndefined(hp, syscall, path);
    if ((st && !isOverlayWhiteout(st)) || this.overlayWhiteout(path, syscall)) {
      throw new FsError(Errno.EXIST, syscall, path);
    }
    return { hp, overWhiteout: st !== undefined };
  }

  /** A fresh, unused path in the work directory (created on first use). */
  private tempPath(): string {
    this.ensureWorkDir();
    const rand = Math.floor(Math.random() * 0x1_0000_0000).toString(36);
    return `${this.workDir!}/tmp.${++this.tmpCounter}.${rand}`;
  }

  /**
   * Create and check the work directory once, on the first mutation that may
   * need it (a misplaced one fails there, even if that mutation could do without).
   */
  private ensureWorkDir(): void {
    const wd = this.workDir!;
    if (!this.workReady) {
      let st: HostStat | undefined;
      try { st = this.host.lstat(wd); } catch (e) {
        if (errnoOf(e) !== Errno.NOENT) throw e;
        this.host.mkdir(wd, 0o700);
        st = this.host.lstat(wd);
      }
      if (st.kind !== "dir") throw new FsError(Errno.NOTDIR, "workdir", undefined, "work directory is not a directory");
      // rename(2) cannot cross filesystems: fail clearly instead of falling back to a non-atomic copy.
      if (st.dev !== this.host.lstat(this.root).dev) {
        throw new FsError(Errno.XDEV, "workdir", undefined, "work directory must be on the layer's filesystem");
      }
      this.workReady = true;
    }
  }

  /**
   * Done with this layer: remove its work directory if it is empty (one that
   * still holds something, junk from a failed step, stays for inspection).
   * The layer stays usable: the work directory is made again when needed.
   */
  releaseWorkDir(): void {
    if (this.workDir === undefined) return;
    try {
      this.host.rmdir(this.workDir);
    } catch {
      return; // not empty, or never made
    }
    this.workReady = false;
  }

  /**
   * Release what the layer holds beyond its open files (Layer.close): the
   * pooled source descriptors, and for a writable layer its empty work
   * directory and its lock. A read-only layer stays readable (sources reopen
   * on demand); a writable one refuses changes from now on (EBADF). Idempotent.
   */
  close(): void {
    for (const { fd } of this.sourcePool.values()) this.closeQuietly(fd);
    this.sourcePool.clear();
    if (!this.writable || this.closed) return;
    this.closed = true;
    this.releaseWorkDir();
    this.lock?.release();
    this.lock = undefined;
  }

  /** Descriptors held in the source pool (for tests and diagnostics). */
  get pooledDescriptors(): number {
    return this.sourcePool.size;
  }

  /**
   * @internal Read from the lower file `hostPath` that was opened as object
   * (dev, ino), through the pool: a pooled descriptor, or a fresh no-follow
   * open checked to be that same object (a read-only layer never changes
   * while mounted; if it did, EIO rather than other bytes).
   */
  readSource(hostPath: string, dev: bigint, ino: bigint, into: Uint8Array, position: number): number {
    const pool = this.sourcePool;
    let entry = pool.get(hostPath);
    if (entry !== undefined) {
      if (entry.dev !== dev || entry.ino !== ino) throw new FsError(Errno.IO, "read", undefined, "lower file changed while mounted");
      pool.delete(hostPath); // re-inserted below: most recently used last
    } else {
      let fd: number;
      try { fd = this.host.open(hostPath); } catch (e) { throw fail(e, "read", ""); }
      let st: HostStat;
      try { st = this.host.fstat(fd); } catch (e) { this.closeQuietly(fd); throw fail(e, "read", ""); }
      if (st.dev !== dev || st.ino !== ino || st.kind !== "file") {
        this.closeQuietly(fd);
        throw new FsError(Errno.IO, "read", undefined, "lower file changed while mounted");
      }
      if (pool.size >= SOURCE_POOL_MAX) {
        const [oldest, victim] = pool.entries().next().value!;
        pool.delete(oldest);
        this.closeQuietly(victim.fd);
      }
      entry = { fd, dev, ino };
    }
    pool.set(hostPath, entry);
    try { return preadFully(this.host, entry.fd, into, position); } catch (e) { throw fail(e, "read", ""); }
  }

  private closeQuietly(fd: number): void {
    if (fd < 0) return;
    try { this.host.close(fd); } catch { /* already failing */ }
  }

  /** Best-effort removal of a host path that was never visible (temporary entries). */
  private discard(hostPath: string): void {
    try { removeHostTree(this.host, hostPath); } catch { /* junk stays in the work dir, never in the layer */ }
  }

  /** Owner, mode and times of a freshly built entry (still in the work dir). */
  private applyNewAttr(hostPath: string, attr: NewEntryAttr, kind: "file" | "dir" | "symlink"): void {
    if (attr.uid !== undefined || attr.gid !== undefined) {
      const st = this.host.lstat(hostPath);
      const uid = attr.uid ?? st.uid;
      const gid = attr.gid ?? st.gid;
      if (uid !== st.uid || gid !== st.gid) {
        try { this.host.lchown(hostPath, uid, gid); } catch (e) {
          // An unprivileged process cannot give files away; keep the host owner then.
          const errno = errnoOf(e);
          if (errno !== Errno.PERM && !(kind === "symlink" && errno === Errno.NOTSUP)) throw e;
        }
      }
    }
    // Directories being moved need owner write (to update ".."); the exact mode is set after the rename.
    if (kind === "file") this.host.chmod(hostPath, attr.mode & 0o7777);
    else if (kind === "dir") this.host.chmod(hostPath, (attr.mode & 0o7777) | 0o200);
    if (attr.atimeNs !== undefined || attr.mtimeNs !== undefined) {
      const now = nowNs();
      try { this.host.lutimes(hostPath, attr.atimeNs ?? now, attr.mtimeNs ?? now); } catch (e) {
        if (!(kind === "symlink" && errnoOf(e) === Errno.NOTSUP)) throw e;
      }
    }
  }

  /** Rename a fully built temporary entry into place (atomically replacing a char-device whiteout of a file). */
  private install(tmp: string, target: { hp: string; overWhiteout: boolean }, kind: "file" | "dir" | "symlink"): void {
    // rename(2) cannot put a directory over a device node: that whiteout goes first.
    if (target.overWhiteout && kind === "dir") this.host.unlink(target.hp);
    this.host.rename(tmp, target.hp);
  }

  mkdir(path: string, attr: NewEntryAttr): void {
    const hp = this.prepareCreate(path, "mkdir");
    let tmp: string | undefined;
    try {
      tmp = this.tempPath();
      this.host.mkdir(tmp, 0o700);
      this.applyNewAttr(tmp, attr, "dir");
      this.install(tmp, hp, "dir");
      tmp = undefined;
      this.listStart(path, []); // we just made it: empty
    } catch (e) {
      if (tmp !== undefined) this.discard(tmp);
      throw fail(e, "mkdir", path);
    }
    if (!((attr.mode & 0o200) !== 0)) {
      try { this.host.chmod(hp.hp, attr.mode & 0o7777); } catch (e) { throw fail(e, "mkdir", path); }
    }
  }

  /**
   * Create an empty regular file in place with one open(O_CREAT|O_EXCL|O_NOFOLLOW):
   * already atomic (an empty file has no content to tear, unlike a copy-up), so
   * the work directory is not needed when that one call gives exactly `attr`:
   * permission bits the umask leaves alone, no owner or times to set. Returns
   * the read-write descriptor, or undefined when the full path must decide
   * (attributes to apply, the name taken, a host without `umask`).
   */
  private createInPlace(path: string, attr: NewEntryAttr, syscall: string): { fd: number; hp: string } | undefined {
    const host = this.host;
    if (host.umask === undefined) return undefined;
    const mode = attr.mode & 0o7777;
    if (attr.uid !== undefined || attr.gid !== undefined || attr.atimeNs !== undefined || attr.mtimeNs !== undefined) return undefined;
    if ((mode & ~0o777) !== 0 || (mode & host.umask()) !== 0) return undefined;
    if (path === "") return undefined;
    const hp = this.resolve(path, syscall);
    this.changed(path);
    this.ensureWorkDir();
    // `.wh.X` already exists (EEXIST) where X is an overlayfs char-device whiteout.
    if (this.overlayWhiteout(path, syscall) !== undefined) return undefined;
    let fd: number;
    this.listAdd(path);
    try { fd = host.open(hp, { createNew: true, mode }); } catch (e) {
      if (errnoOf(e) === Errno.EXIST) return undefined; // EEXIST, or an overlayfs whiteout to replace: the full path decides
      throw fail(e, syscall, path);
    }
    return { fd, hp };
  }

  createFile(path: string, attr: NewEntryAttr): void {
    this.requireWritable("createFile", path);
    const made = this.createInPlace(path, attr, "createFile");
    if (made !== undefined) {
      // Nothing was written: a failing close loses no data, and the entry is already complete.
      this.closeQuietly(made.fd);
      return;
    }
    this.createFileSafely(path, attr);
  }

  /**
   * createFile and open the new file (for writing, or reading only), in one
   * host open when createInPlace applies.
   */
  createAndOpen(path: string, attr: NewEntryAttr, write: boolean): WritableLayerFile {
    this.requireWritable("createFile", path);
    const made = this.createInPlace(path, attr, "createFile");
    if (made !== undefined) return new DirFile(this, made.fd, made.hp, write, undefined);
    this.createFileSafely(path, attr);
    return this.openFile(path, write, "open");
  }

  /** createFile through the work directory (attributes applied before the entry appears). */
  private createFileSafely(path: string, attr: NewEntryAttr): void {
    const hp = this.prepareCreate(path, "createFile");
    let tmp: string | undefined;
    let fd = -1;
    try {
      tmp = this.tempPath();
      fd = this.host.open(tmp, { createNew: true, mode: 0o600 });
      this.host.close(fd);
      fd = -1;
      this.applyNewAttr(tmp, attr, "file");
      this.install(tmp, hp, "file");
      tmp = undefined;
    } catch (e) {
      this.closeQuietly(fd);
      if (tmp !== undefined) this.discard(tmp);
      throw fail(e, "createFile", path);
    }
  }

  createFileFrom(path: string, source: LayerFile, attr: NewEntryAttr): void {
    // A (sparse) layer file past the safe-integer range cannot be copied exactly, and
    // copying exabytes of holes would never end: refuse it like a write there (EFBIG).
    if (!Number.isSafeInteger(source.stat().size)) throw new FsError(Errno.FBIG, "createFileFrom", path);
    const hp = this.prepareCreate(path, "createFileFrom");
    let tmp: string | undefined;
    let fd = -1;
    try {
      tmp = this.tempPath();
      const src = source instanceof DirFile ? source.clonablePath() : undefined;
      if (src !== undefined) {
        // Reflink (COPYFILE_FICLONE) where the filesystem can, a plain kernel copy otherwise.
        this.host.copyFile(src, tmp);
        if (this.durable) fd = this.host.open(tmp, { write: true });
      } else {
        fd = this.host.open(tmp, { createNew: true, mode: 0o600 });
        copyContent(this.host, fd, source);
      }
      if (fd >= 0 && this.durable) this.host.fsync(fd);
      if (fd >= 0) { const f = fd; fd = -1; this.host.close(f); }
      this.applyNewAttr(tmp, attr, "file");
      this.install(tmp, hp, "file");
      tmp = undefined;
    } catch (e) {
      this.closeQuietly(fd);
      if (tmp !== undefined) this.discard(tmp);
      throw fail(e, "createFileFrom", path);
    }
  }

  symlink(path: string, target: string, attr: Partial<NewEntryAttr> = {}): void {
    const hp = this.prepareCreate(path, "symlink");
    if (target.includes("\0")) throw new FsError(Errno.INVAL, "symlink", path);
    let tmp: string | undefined;
    try {
      tmp = this.tempPath();
      this.host.symlink(target, tmp);
      this.applyNewAttr(tmp, { mode: 0o777, ...attr }, "symlink");
      this.install(tmp, hp, "symlink");
      tmp = undefined;
    } catch (e) {
      if (tmp !== undefined) this.discard(tmp);
      throw fail(e, "symlink", path);
    }
  }

  link(existing: string, newPath: string): void {
    this.requireWritable("link", newPath);
    this.changed(existing); // its nlink and ctime change
    const from = this.resolve(existing, "link");
    const st = this.lstatOrUndefined(from, "link", existing);
    if (!st || !isShown(st)) throw new FsError(Errno.NOENT, "link", existing);
    if (st.kind === "dir") throw new FsError(Errno.PERM, "link", existing);
    const target = this.prepareCreate(newPath, "link");
    // link(2) is atomic and, on Linux, links a symlink itself rather than its target.
    try {
      if (target.overWhiteout) this.host.unlink(target.hp);
      this.host.link(from, target.hp);
    } catch (e) { throw fail(e, "link", newPath); }
  }

  unlink(path: string): void {
    this.requireWritable("unlink", path);
    if (path === "") { this.validate(path, "unlink"); throw new FsError(Errno.ISDIR, "unlink", path); }
    const hp = this.resolve(path, "unlink");
    // A file or symlink `stat` saw (and nothing changed since): no lstat needed.
    const known = this.nonDirs.has(path);
    this.changed(path);
    const st = known ? undefined : this.lstatOrUndefined(hp, "unlink", path);
    let victim = hp;
    if (known) {
      // unlink(2) itself is the check.
    } else if (!st || !isShown(st)) {
      // `.wh.X` may be an overlayfs char-device whiteout named X.
      const wh = this.overlayWhiteout(path, "unlink");
      if (!wh) throw new FsError(Errno.NOENT, "unlink", path);
      victim = wh.hostPath;
    } else if (st.kind === "dir") {
      throw new FsError(Errno.ISDIR, "unlink", path);
    }
    try { this.host.unlink(victim); } catch (e) { throw fail(e, "unlink", path); }
    this.listRemove(victim === hp ? path : childPath(parentPath(path), whiteoutTarget(baseName(path))!));
  }

  rmdir(path: string): void {
    this.requireWritable("rmdir", path);
    if (path === "") { this.validate(path, "rmdir"); throw new FsError(Errno.BUSY, "rmdir", path); }
    const hp = this.resolve(path, "rmdir");
    this.changedSubtrees(path);
    const st = this.lstatOrUndefined(hp, "rmdir", path);
    if (!st || !isShown(st)) throw new FsError(Errno.NOENT, "rmdir", path);
    if (st.kind !== "dir") throw new FsError(Errno.NOTDIR, "rmdir", path);
    try { this.host.rmdir(hp); } catch (e) { throw fail(e, "rmdir", path); }
    this.listRemove(path);
  }

  removeTree(path: string): void {
    this.requireWritable("removeTree", path);
    if (path === "") { this.validate(path, "removeTree"); throw new FsError(Errno.BUSY, "removeTree", path); }
    const hp = this.resolve(path, "removeTree");
    this.changedSubtrees(path);
    const st = this.lstatOrUndefined(hp, "removeTree", path);
    if (!st || !isShown(st)) throw new FsError(Errno.NOENT, "removeTree", path);
    if (st.kind !== "dir") throw new FsError(Errno.NOTDIR, "removeTree", path);
    // Move the tree out of sight in one rename, then delete it at leisure.
    let trash: string;
    try {
      trash = this.tempPath();
      this.host.rename(hp, trash);
    } catch (e) {
      throw fail(e, "removeTree", path);
    }
    this.listRemove(path);
    this.discard(trash);
  }

  rename(from: string, to: string): void {
    this.requireWritable("rename", to);
    const src = this.resolve(from, "rename");
    const dst = this.resolve(to, "rename");
    if (from === "" || to === "") throw new FsError(Errno.BUSY, "rename", from === "" ? from : to);
    this.changedSubtrees(from, to);
    const st = this.lstatOrUndefined(src, "rename", from);
    if (!st || !isShown(st)) throw new FsError(Errno.NOENT, "rename", from);
    // rename(2) is atomic: the target is the old or the new object, never a mix.
    this.listAdd(to);
    try { this.host.rename(src, dst); } catch (e) { throw fail(e, "rename", from); }
    if (from !== to) this.listRemove(from);
  }

  setattr(path: string, attr: SetAttr): void {
    this.requireWritable("setattr", path);
    const hp = this.resolve(path, "setattr");
    this.changed(path);
    const st = this.lstatOrUndefined(hp, "setattr", path);
    if (!st || !isShown(st)) throw new FsError(Errno.NOENT, "setattr", path);
    try {
      if (attr.uid !== undefined || attr.gid !== undefined) {
        const uid = attr.uid ?? st.uid;
        const gid = attr.gid ?? st.gid;
        if (uid !== st.uid || gid !== st.gid) this.host.lchown(hp, uid, gid);
      }
      // A symlink's own mode is not settable on Linux (always 0o777): ignored, as chmod -h does.
      if (attr.mode !== undefined && st.kind !== "symlink") this.host.chmod(hp, attr.mode & 0o7777);
      if (attr.atimeNs !== undefined || attr.mtimeNs !== undefined) {
        this.host.lutimes(hp, attr.atimeNs ?? st.atimeNs, attr.mtimeNs ?? st.mtimeNs);
      }
    } catch (e) {
      throw fail(e, "setattr", path);
    }
  }

  openWrite(path: string): WritableLayerFile {
    this.requireWritable("openWrite", path);
    return this.openFile(path, true, "openWrite");
  }
}

/** An open regular file of a DirLayer (fd -1: the empty stand-in for an overlayfs whiteout). */
class DirFile implements WritableLayerFile {
  private closed = false;

  constructor(
    private readonly layer: DirLayer<boolean>,
    private readonly fd: number,
    private readonly hostPath: string,
    private readonly canWrite: boolean,
    /** What was opened (undefined for a file this layer just created: fstat when needed). */
    private readonly opened: HostStat | undefined,
  ) {}

  private check(syscall: string, write = false): void {
    if (this.closed) throw new FsError(Errno.BADF, syscall);
    if (write && !this.canWrite) throw new FsError(Errno.BADF, syscall);
  }

  read(into: Uint8Array, position: number): number {
    this.check("read");
    if (!Number.isSafeInteger(position) || position < 0) throw new FsError(Errno.INVAL, "read");
    if (this.fd < 0) return 0;
    try { return preadFully(this.layer.host, this.fd, into, position); } catch (e) { throw fail(e, "read", ""); }
  }

  write(data: Uint8Array, position: number): number {
    this.check("write", true);
    if (!Number.isSafeInteger(position) || position < 0) throw new FsError(Errno.INVAL, "write");
    // Like MemoryLayer: a file never grows past the safe-integer range (sizes stay exact numbers).
    if (position + data.length > Number.MAX_SAFE_INTEGER) throw new FsError(Errno.FBIG, "write");
    try { writeAll(this.layer.host, this.fd, data, position); } catch (e) { throw fail(e, "write", ""); }
    return data.length;
  }

  truncate(size: number): void {
    this.check("truncate", true);
    if (!Number.isSafeInteger(size) || size < 0) throw new FsError(Errno.INVAL, "truncate");
    try { this.layer.host.ftruncate(this.fd, size); } catch (e) { throw fail(e, "truncate", ""); }
  }

  sync(): void {
    this.check("sync");
    if (this.fd < 0) return;
    try { this.layer.host.fsync(this.fd); } catch (e) { throw fail(e, "sync", ""); }
  }

  stat(): EntryStat {
    this.check("stat");
    if (this.fd < 0) return this.layer.entryOf(this.opened!);
    try { return this.layer.entryOf(this.layer.host.fstat(this.fd)); } catch (e) { throw fail(e, "stat", ""); }
  }

  /** futimens on the descriptor: the open object, whatever its names are now. */
  setTimes(atimeNs: bigint | undefined, mtimeNs: bigint | undefined): void {
    this.check("futimens");
    if (!this.layer.writable || this.fd < 0) throw new FsError(Errno.ROFS, "futimens");
    try {
      const cur = atimeNs === undefined || mtimeNs === undefined ? this.layer.host.fstat(this.fd) : undefined;
      this.layer.host.futimes(this.fd, atimeNs ?? cur!.atimeNs, mtimeNs ?? cur!.mtimeNs);
    } catch (e) { throw fail(e, "futimens", ""); }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd < 0) return;
    try { this.layer.host.close(this.fd); } catch (e) { throw fail(e, "close", ""); }
  }

  /**
   * The content, readable after close (LayerFile.contentSource): only for a
   * read-only layer, whose files do not change while mounted. Reads go
   * through the layer's descriptor pool, so no descriptor is kept per source.
   */
  contentSource(): ContentSource | undefined {
    this.check("read");
    if (this.layer.writable) return undefined;
    if (this.fd < 0) return EMPTY_SOURCE;
    const { layer, hostPath } = this;
    const { dev, ino } = this.opened ?? layer.host.fstat(this.fd);
    return { read: (into, position) => (into.length === 0 ? 0 : layer.readSource(hostPath, dev, ino, into, position)) };
  }

  /**
   * Host path to clone this file from, if the path still names the very object
   * this descriptor has open (lower layers are immutable, so it normally does).
   */
  clonablePath(): string | undefined {
    if (this.closed || this.fd < 0) return undefined;
    try {
      const opened = this.opened ?? this.layer.host.fstat(this.fd);
      const st = this.layer.host.lstat(this.hostPath);
      return st.kind === "file" && st.dev === opened.dev && st.ino === opened.ino ? this.hostPath : undefined;
    } catch {
      return undefined;
    }
  }
}

/** The content of an overlayfs whiteout's stand-in file: nothing. */
const EMPTY_SOURCE: ContentSource = { read: () => 0 };

/** pread until `into` is full or EOF; returns the count. */
function preadFully(host: HostFs, fd: number, into: Uint8Array, position: number): number {
  let n = 0;
  while (n < into.length) {
    const r = host.pread(fd, into.subarray(n), position + n);
    if (r <= 0) break;
    n += r;
  }
  return n;
}

function writeAll(host: HostFs, fd: number, data: Uint8Array, position: number): void {
  let n = 0;
  while (n < data.length) {
    const w = host.pwrite(fd, data.subarray(n), position + n);
    if (w <= 0) throw new FsError(Errno.IO, "write");
    n += w;
  }
}

/** Stream a LayerFile's content into `fd` (the copy-up path for non-host sources). */
function copyContent(host: HostFs, fd: number, source: LayerFile): void {
  const buf = new Uint8Array(COPY_CHUNK);
  let pos = 0;
  for (;;) {
    const n = source.read(buf, pos);
    if (n <= 0) break;
    writeAll(host, fd, buf.subarray(0, n), pos);
    pos += n;
  }
}

/** Delete a host tree without following symlinks (lstat + unlink/rmdir). */
function removeHostTree(host: HostFs, hostPath: string): void {
  const st = host.lstat(hostPath);
  if (st.kind === "dir") {
    for (const e of host.readdir(hostPath)) removeHostTree(host, hostPath + "/" + e.name);
    host.rmdir(hostPath);
  } else {
    host.unlink(hostPath);
  }
}

function defaultWorkDir(root: string): string {
  if (root === "/") throw new FsError(Errno.INVAL, "DirLayer", root, "a writable layer at / needs an explicit workDir");
  const slash = root.lastIndexOf("/");
  const parent = slash <= 0 ? "/" : root.slice(0, slash);
  return `${parent === "/" ? "" : parent}/.${root.slice(slash + 1)}.layerfs-work`;
}

/** Canonical form of a work directory that may not exist yet (its parent must). */
function canonicalWorkDir(host: HostFs, wd: string): string {
  try { return host.realpath(wd); } catch (e) {
    if (errnoOf(e) !== Errno.NOENT) throw e;
  }
  const trimmed = wd.replace(/\/+$/, "");
  const slash = trimmed.lastIndexOf("/");
  const parent = slash < 0 ? "." : slash === 0 ? "/" : trimmed.slice(0, slash);
  const real = host.realpath(parent);
  return (real.endsWith("/") ? real : real + "/") + trimmed.slice(slash + 1);
}

/**
 * DirLayer: a host directory as a layer, read-only (a lower) or writable (the
 * upper): the Layer and WritableLayer methods. Written only against the HostFs
 * port (host-fs.ts), so it stays platform-neutral; src/host/node.ts and
 * src/host/deno.ts inject the host. The folder, one concern per file:
 * caches.ts (what absorbs the union's repeated probes), entry-maker.ts (new
 * entries), work-dir.ts (the work directory and atomic install), file.ts
 * (the open file), source-pool.ts (the descriptors behind lazy copy-up
 * sources), lower-index.ts (a read-only layer's index), shared-index.ts
 * (what those indexes read, shared across unions), read-ahead (in
 * ../read-ahead.ts), overlay.ts (overlayfs char-device whiteouts, what is
 * shown), entries.ts (ids and errors), lock.ts (exclusive use of a writable
 * layer).
 *
 * On-disk format: aufs/OCI. Whiteouts are empty `.wh.NAME` files, an opaque
 * directory holds `.wh..wh..opq`; both are stored and reported verbatim (the
 * union interprets them). Lowers in overlayfs format are read too: a char
 * device 0:0 named X is reported as an empty file `.wh.X`. (The overlayfs
 * opaque xattr is not read: neither node:fs nor Deno can read xattrs.)
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
 * Atomicity (work-dir.ts): every new entry is built in the work directory and
 * renamed into place (except an empty file whose attributes one
 * open(O_CREAT|O_EXCL) already gets exactly: that is created in place, which
 * is just as atomic); copy-up uses a reflink when the source is another
 * DirLayer's file and the host filesystem can clone, and fsyncs a real copy
 * before the rename (option `durable`; a clone moved no data: entry-maker.ts).
 *
 * Exclusive use: a writable layer holds a lock beside its directory while open
 * (lock.ts), so a second opener in any process fails with LayerInUseError.
 */
import { Errno, FsError, errnoOf } from "../../core/errno.ts";
import type {
  ContentSource, DirStamp, EntryStat, EntryType, Layer, LayerFile, NewEntryAttr, SetAttr, WritableLayerFile,
} from "../../core/layer.ts";
import { childPath, isPlainName } from "../../core/layer.ts";
import { DirCaches } from "./caches.ts";
import { HostTree } from "./host-tree.ts";
import { LowerIndex } from "./lower-index.ts";
import { SharedDirIndex, sharedIndexOf } from "./shared-index.ts";
import { EntryIds, hostPathIn, layerError } from "./entries.ts";
import { DirFile, Writers, closeQuietly } from "./file.ts";
import type { DirFileOwner } from "./file.ts";
import type { HostFs, HostStat } from "./host-fs.ts";
import { defaultLockDir, lockLayer } from "./lock.ts";
import type { LayerLock } from "./lock.ts";
import { isShown, listedName, overlayWhiteoutPath } from "./overlay.ts";
import { openDirFile } from "./open.ts";
import { PooledSource, SourcePool } from "./source-pool.ts";
import { EntryMaker } from "./entry-maker.ts";
import { WorkDir, canonicalWorkDir, defaultWorkDir } from "./work-dir.ts";

export interface DirLayerOptions<W extends boolean = boolean> {
  /** Accept writes (default false: a read-only lower layer; mutations throw EROFS). */
  writable?: W;
  /**
   * Where temporary files live before being renamed into place. Must be on the
   * same filesystem as the layer and outside it. Default: a hidden sibling
   * `<root>/../.<name>.layerfs-work`, created on first use.
   */
  workDir?: string;
  /** fsync copied-up files before renaming them into place (default true; not a reflinked one, which moved no data). */
  durable?: boolean;
  /**
   * A writable layer locks its directory while open (default true), so a
   * second opener, in this process or another (Node or Deno), fails with a
   * LayerInUseError naming the holder's pid until `close()` or process exit
   * (lock.ts). False: no lock, for a directory shared on purpose.
   */
  lock?: boolean;
  /**
   * Read-only layers: share what the index learns about host directories
   * (names and types of listings, names found absent) with every read-only
   * DirLayer over the same HostFs in this process (shared-index.ts). Default
   * true: a later union over the same directories takes them with one lstat
   * each (none for the root) instead of reading them again, and still sees any
   * directory edited in between (its times changed). False: this layer reads
   * everything itself (for a filesystem whose directory times do not change
   * with its names, or a file server whose clock runs seconds behind ours).
   * A SharedDirIndex: share through that one (its own bound and racy window).
   * Ignored (nothing shared) over a host without HostFs.exactDirTimes (Deno).
   */
  shareIndex?: boolean | SharedDirIndex;
}

export class DirLayer<W extends boolean = false> implements Layer, DirFileOwner {
  readonly writable: W;
  /** Quota accounting counts a host file by its size (no storedBytes): no open needed to measure one. */
  readonly storesFileSizes = true;
  readonly host: HostFs;
  /** @internal Open writable files (each tracks its own size while it safely can: file.ts). */
  readonly writers = new Writers();
  /** Canonical host path of the layer directory. */
  readonly root: string;
  /** Host path of the work directory (writable layers only). */
  readonly workDir: string | undefined;
  private readonly ids: EntryIds;
  private readonly caches: DirCaches;
  private readonly tree: HostTree;
  /** Read-only layers: the per-directory index every read is answered from. */
  private readonly index: LowerIndex | undefined;
  private readonly work: WorkDir | undefined;
  /** Writable layers: makes new entries (entry-maker.ts). */
  private readonly maker: EntryMaker | undefined;
  /** Descriptors behind contentSource() reads (read-only layers). */
  private readonly sources: SourcePool;
  private closed = false;
  /** Held while a writable layer is open (DirLayerOptions.lock). */
  private lock: LayerLock | undefined;
  /** Layer.memoKey: a read-only layer sharing its index (lower-index.ts). */
  readonly memoKey: string | undefined;

  /** Nobody else changes its files while open: a read-only layer, or a writable one holding its lock (read-ahead relies on it: file.ts). */
  get exclusive(): boolean {
    return !this.writable || this.lock !== undefined;
  }

  constructor(host: HostFs, rootDir: string, options: DirLayerOptions<W> = {}) {
    this.host = host;
    // The root is the user's choice: resolve it once (a symlinked root is fine).
    this.root = host.realpath(rootDir);
    const rootSt = host.lstat(this.root);
    if (rootSt.kind !== "dir") throw new FsError(Errno.NOTDIR, "DirLayer", rootDir);
    this.ids = new EntryIds(rootSt.dev);
    this.writable = (options.writable ?? false) as W;
    this.caches = new DirCaches(this.writable);
    this.sources = new SourcePool(host, (st) => this.ids.idOf(st));
    this.tree = new HostTree(host, this.root, this.caches);
    if (!this.writable) {
      // Only over a host whose directory times can vouch for unchanged names (HostFs.exactDirTimes).
      const share = host.exactDirTimes === true ? options.shareIndex ?? true : false;
      this.index = new LowerIndex(host, this.root, this.ids, rootSt, share === true ? sharedIndexOf(host) : share === false ? undefined : share);
      this.memoKey = this.index.memoKey;
    }
    if (this.writable) {
      const wd = options.workDir ?? defaultWorkDir(this.root);
      const canon = canonicalWorkDir(host, wd);
      if (canon === this.root || canon.startsWith(this.root === "/" ? "/" : this.root + "/")) {
        throw new FsError(Errno.INVAL, "DirLayer", wd, "the work directory must be outside the layer directory");
      }
      this.workDir = canon;
      this.work = new WorkDir(host, canon, rootSt.dev);
      this.maker = new EntryMaker(host, this.tree, this.caches, this.work, options.durable ?? true);
      // Last: nothing after it may throw and leave the lock held.
      if (options.lock !== false && host.processes !== undefined) {
        this.lock = lockLayer(host, host.processes, this.root, defaultLockDir(this.root, canon));
      }
    }
  }

  // ---------------------------------------------------------------- stats

  /** @internal EntryStat of a host stat result. */
  entryOf(st: HostStat): EntryStat {
    return this.ids.entryOf(st);
  }

  // ---------------------------------------------------------------- Layer

  stat(path: string): EntryStat | undefined {
    if (this.index !== undefined) {
      this.tree.validate(path, "stat");
      const found = this.index.find(path, "stat");
      return found.kind === "entry" ? found.stat : undefined;
    }
    // Only validated paths enter the caches: a hit needs no validation.
    const cached = this.caches.cachedStat(path);
    if (cached !== undefined) return cached ?? undefined; // null: known absent
    this.tree.validate(path, "stat");
    if (this.caches.unlisted(path)) return undefined;
    const found = this.statUncached(path);
    if (found === undefined) {
      if (this.hostAbsent) this.caches.noteAbsent(path);
    } else if (found.type === "dir") {
      this.caches.noteDirStat(path, found);
    }
    return found;
  }

  /** Layer.dirStamp: read-only layers sharing their index (lower-index.ts dirStamp). */
  dirStamp(path: string, fresh: boolean): DirStamp | undefined {
    if (this.index === undefined || this.memoKey === undefined) return undefined;
    this.tree.validate(path, "stat");
    return this.index.dirStamp(path, fresh);
  }

  /** Layer.statToTraverse: a directory walked through is answered from a cache its children's changes keep. */
  statToTraverse(path: string): EntryStat | undefined {
    if (this.index === undefined) {
      const cached = this.caches.traverseStatOf(path);
      if (cached !== undefined) return cached;
    }
    return this.stat(path);
  }

  /** Set by statUncached: the host had no entry at all (not merely one that is not shown). */
  private hostAbsent = false;

  private statUncached(path: string): EntryStat | undefined {
    this.hostAbsent = false;
    try { this.tree.checkParents(path, "stat"); } catch (e) {
      const errno = errnoOf(e);
      if (errno === Errno.NOENT || errno === Errno.NOTDIR) return undefined;
      throw e;
    }
    const st = this.tree.lstatOrUndefined(this.tree.hostPath(path), "stat", path);
    if (st) {
      if (!isShown(st)) return undefined;
      if (this.writable && st.kind !== "dir") {
        const entry = this.entryOf(st);
        this.caches.noteNonDir(path, st.kind === "symlink" ? "symlink" : "file", st.nlink === 1 ? entry : undefined);
        return entry;
      }
      return this.entryOf(st);
    }
    this.hostAbsent = true;
    const wh = this.tree.overlayWhiteout(path, "stat");
    return wh ? this.entryOf(wh.st) : undefined;
  }

  /** stat of several names of directory `dir` (Layer.statChildren): the lower index of a read-only layer answers each. */
  statChildren(dir: string, names: readonly string[]): (EntryStat | undefined)[] {
    if (this.index === undefined || !this.plainChildren(dir, names)) return names.map((name) => this.stat(childPath(dir, name)));
    // One batch: an unlisted directory is probed for all the names, then checked once.
    return this.index.findChildren(dir, names, "stat").map((f) => (f.kind === "entry" ? f.stat : undefined));
  }

  /**
   * Is `dir` a valid layer path (else throws, as stat would) and each of `names` one plain
   * component? The index probes a name as one host path component: a name with a "/" (an
   * odd but valid call) must be walked as stat walks it, never handed to lstat whole (which
   * would follow a symlink inside the layer on the way).
   */
  private plainChildren(dir: string, names: readonly string[]): boolean {
    this.tree.validate(dir, "stat");
    for (const name of names) if (!isPlainName(name)) return false;
    return true;
  }

  /** Layer.typesToMerge: a read-only layer's index may answer "dir" before its lazy check (lower-index.ts). */
  typesToMerge(dir: string, names: readonly string[]): (EntryType | undefined)[] {
    if (this.index === undefined || !this.plainChildren(dir, names)) return names.map((name) => this.stat(childPath(dir, name))?.type);
    return this.index.typesToMerge(dir, names, "stat");
  }

  readdirTyped(path: string): { names: readonly string[]; types: readonly EntryType[] } {
    if (this.index !== undefined) {
      this.tree.validate(path, "readdir");
      return this.index.list(path, "readdir");
    }
    const names = this.readdir(path);
    const types = this.statChildren(path, names).map((st, i) => {
      if (st === undefined) throw new FsError(Errno.IO, "readdir", childPath(path, names[i]!), "layer listed a name it cannot stat");
      return st.type;
    });
    return { names, types };
  }

  readdir(path: string): string[] {
    if (this.index !== undefined) {
      this.tree.validate(path, "readdir");
      return this.index.list(path, "readdir").names;
    }
    this.caches.dropDirStat(path);
    const hp = this.tree.resolve(path, "readdir");
    // A directory already checked to be a real one (not a symlink the host would follow) needs no lstat.
    if (!this.caches.dirs.has(path)) {
      const st = this.tree.lstatOrUndefined(hp, "readdir", path);
      if (!st || !isShown(st)) {
        const errno = !st && this.tree.overlayWhiteout(path, "readdir") ? Errno.NOTDIR : Errno.NOENT;
        throw new FsError(errno, "readdir", path);
      }
      if (st.kind !== "dir") throw new FsError(Errno.NOTDIR, "readdir", path);
      if (path !== "") this.caches.dirs.add(path);
    }
    let entries;
    try { entries = this.host.readdir(hp); } catch (e) { throw layerError(e, "readdir", path); }
    this.caches.listStart(path, entries.map((e) => e.name), entries.some((e) => e.kind === "char" || e.kind === "unknown"));
    const names = new Set<string>();
    for (const e of entries) {
      // A char device may be an overlayfs whiteout, and an unknown kind needs a look.
      const needsStat = e.kind === "char" || e.kind === "unknown";
      const cst = needsStat ? this.tree.lstatOrUndefined(hostPathIn(hp, e.name), "readdir", path) : undefined;
      const name = listedName(e, cst);
      if (name !== undefined) names.add(name);
    }
    return [...names];
  }

  readlink(path: string): string {
    if (this.index !== undefined) {
      this.tree.validate(path, "readlink");
      return this.index.readlink(path);
    }
    const hp = this.tree.resolve(path, "readlink");
    const st = this.tree.lstatOrUndefined(hp, "readlink", path);
    if (!st || !isShown(st)) {
      const errno = !st && this.tree.overlayWhiteout(path, "readlink") ? Errno.INVAL : Errno.NOENT;
      throw new FsError(errno, "readlink", path);
    }
    if (st.kind !== "symlink") throw new FsError(Errno.INVAL, "readlink", path);
    try { return this.host.readlink(hp); } catch (e) { throw layerError(e, "readlink", path); }
  }

  open(path: string): LayerFile {
    if (this.index !== undefined) {
      this.tree.validate(path, "open");
      return this.index.open(this, path);
    }
    return this.openFile(path, false, "open");
  }

  /**
   * WritableLayer.openKnownFile: a regular file this layer made or statted
   * (DirCaches.nonDirOf, dropped by every change of the name through the layer)
   * opens with one O_NOFOLLOW open and no lstat. Containment is the same as
   * open's: the parents are checked directories, and the final component is
   * never followed (a symlink swapped in by someone else is ELOOP, and the
   * union then looks the name up as usual).
   */
  openKnownFile(path: string): LayerFile | undefined {
    if (this.index !== undefined || this.host.openNoFollow !== true || this.caches.nonDirOf(path) !== "file") return undefined;
    try { return this.openFile(path, false, "open", false, true); } catch { return undefined; }
  }

  /** `knownFile`: the caches just said a regular file is there (openDirFile needs not ask again). */
  private openFile(path: string, write: boolean, syscall: string, created = false, knownFile = false): DirFile {
    return this.named(openDirFile(this, this.tree, this.caches, path, write, syscall, created, knownFile), path);
  }

  // ---------------------------------------------------------------- WritableLayer

  private requireWritable(syscall: string, path: string): void {
    if (!this.writable) throw new FsError(Errno.ROFS, syscall, path);
    if (this.closed) throw new FsError(Errno.BADF, syscall, path, "layer closed");
  }

  /**
   * Done with this layer: remove its work directory if it is empty (one that
   * still holds something, junk from a failed step, stays for inspection).
   * The layer stays usable: the work directory is made again when needed.
   */
  releaseWorkDir(): void {
    this.work?.release();
  }

  /**
   * Release what the layer holds beyond its open files (Layer.close): the
   * pooled source descriptors, and for a writable layer its empty work
   * directory and its lock. A read-only layer shares what its index read and
   * has not shared yet (one lstat of each directory concerned: shared-index.ts)
   * and stays readable (sources reopen on demand); a writable one refuses
   * changes from now on (EBADF). Idempotent.
   */
  close(): void {
    this.sources.close();
    this.index?.close();
    if (!this.writable || this.closed) return;
    this.closed = true;
    this.releaseWorkDir();
    this.lock?.release();
    this.lock = undefined;
  }

  /** Read-only layers: directories indexed so far and the names they hold (for measurements and diagnostics). */
  get indexed(): { dirs: number; entries: number } {
    return this.index?.size ?? { dirs: 0, entries: 0 };
  }

  /** Descriptors held in the source pool (for tests and diagnostics). */
  get pooledDescriptors(): number {
    return this.sources.size;
  }

  /** @internal The content of lower file `hostPath` (the object with layer id `id`), read through the descriptor pool (source-pool.ts). */
  sourceOf(hostPath: string, id: number): ContentSource {
    return new PooledSource(this.sources, hostPath, id);
  }

  /**
   * Layer.contentSourceOf: a read-only layer's indexed regular file, taken
   * without opening it. Its first read opens it through the pool, which checks
   * (fstat) that it is the object indexed, as open() does; a lower changed
   * while mounted then reads as EIO.
   */
  contentSourceOf(path: string): ContentSource | undefined {
    if (this.index === undefined) return undefined;
    this.tree.validate(path, "open");
    return this.index.contentSourceOf(this, path);
  }

  /** @internal An open file of this layer was written, truncated, retimed or read: file stats may have moved. */
  touched(file: DirFile): void {
    this.caches.touchedFile(file.openedAs);
  }

  /** A writable layer's file remembers the name it was opened under (its cached stat is dropped on writes). */
  private named(file: DirFile, path: string): DirFile {
    file.openedAs = { path, epoch: this.caches.epoch };
    return file;
  }

  /** @internal A closing read-only file hands its descriptor to the pool its sources read through. */
  adoptSource(hostPath: string, fd: number, id: number): boolean {
    return !this.writable && this.sources.adopt(hostPath, fd, id);
  }

  mkdir(path: string, attr: NewEntryAttr): void {
    this.requireWritable("mkdir", path);
    this.maker!.mkdir(path, attr);
  }

  createFile(path: string, attr: NewEntryAttr): void {
    this.requireWritable("createFile", path);
    const made = this.maker!.createInPlace(path, attr, "createFile");
    if (made !== undefined) {
      // Nothing was written: a failing close loses no data, and the entry is already complete.
      closeQuietly(this.host, made.fd);
      return;
    }
    this.maker!.createEmpty(path, attr);
  }

  /**
   * createFile and open the new file (for writing, or reading only), in one
   * host open when createInPlace applies.
   */
  createAndOpen(path: string, attr: NewEntryAttr, write: boolean): WritableLayerFile {
    this.requireWritable("createFile", path);
    const made = this.maker!.createInPlace(path, attr, "createFile");
    if (made !== undefined) return this.named(new DirFile(this, made.fd, made.hp, write, undefined, true), path);
    this.maker!.createEmpty(path, attr);
    return this.openFile(path, write, "open", true);
  }

  createFileFrom(path: string, source: LayerFile, attr: NewEntryAttr): void {
    this.requireWritable("createFileFrom", path);
    this.maker!.copyFrom(path, source, attr);
  }

  symlink(path: string, target: string, attr: Partial<NewEntryAttr> = {}): void {
    this.requireWritable("symlink", path);
    this.maker!.symlink(path, target, attr);
  }

  link(existing: string, newPath: string): void {
    this.requireWritable("link", newPath);
    this.maker!.link(existing, newPath);
  }

  unlink(path: string): void {
    this.requireWritable("unlink", path);
    if (path === "") { this.tree.validate(path, "unlink"); throw new FsError(Errno.ISDIR, "unlink", path); }
    const hp = this.tree.resolve(path, "unlink");
    // A file or symlink `stat` saw (and nothing changed since): no lstat needed.
    const known = this.caches.changed(path) !== undefined;
    this.caches.epoch++; // a file with another link may keep its data under another name
    const st = known ? undefined : this.tree.lstatOrUndefined(hp, "unlink", path);
    let victim = hp;
    if (known) {
      // unlink(2) itself is the check.
    } else if (!st || !isShown(st)) {
      // `.wh.X` may be an overlayfs char-device whiteout named X.
      const wh = this.tree.overlayWhiteout(path, "unlink");
      if (!wh) throw new FsError(Errno.NOENT, "unlink", path);
      victim = wh.hostPath;
    } else if (st.kind === "dir") {
      throw new FsError(Errno.ISDIR, "unlink", path);
    }
    try { this.host.unlink(victim); } catch (e) { throw layerError(e, "unlink", path); }
    this.caches.listRemove(victim === hp ? path : overlayWhiteoutPath(path)!);
  }

  /** Host path of the directory `path` that rmdir/removeTree may remove (EBUSY for the root, ENOENT, ENOTDIR). */
  private removableDir(path: string, syscall: string): string {
    this.requireWritable(syscall, path);
    if (path === "") { this.tree.validate(path, syscall); throw new FsError(Errno.BUSY, syscall, path); }
    const hp = this.tree.resolve(path, syscall);
    const st = this.tree.lstatOrUndefined(hp, syscall, path);
    if (!st || !isShown(st)) throw new FsError(Errno.NOENT, syscall, path);
    if (st.kind !== "dir") throw new FsError(Errno.NOTDIR, syscall, path);
    this.caches.changedSubtrees(path);
    return hp;
  }

  rmdir(path: string): void {
    const hp = this.removableDir(path, "rmdir");
    try { this.host.rmdir(hp); } catch (e) { throw layerError(e, "rmdir", path); }
    this.caches.listRemove(path);
  }

  removeTree(path: string): void {
    const hp = this.removableDir(path, "removeTree");
    // Move the tree out of sight in one rename, then delete it at leisure.
    let trash: string;
    try {
      trash = this.work!.tempPath();
      this.host.rename(hp, trash);
    } catch (e) {
      throw layerError(e, "removeTree", path);
    }
    this.caches.listRemove(path);
    this.work!.discard(trash);
  }

  rename(from: string, to: string): void {
    this.requireWritable("rename", to);
    const src = this.tree.resolve(from, "rename");
    const dst = this.tree.resolve(to, "rename");
    if (from === "" || to === "") throw new FsError(Errno.BUSY, "rename", from === "" ? from : to);
    const st = this.tree.lstatOrUndefined(src, "rename", from);
    if (!st || !isShown(st)) throw new FsError(Errno.NOENT, "rename", from);
    // Only a directory move changes paths below: a file's rename drops the two names' entries.
    if (st.kind === "dir") this.caches.changedSubtrees(from, to);
    else {
      this.caches.changed(from);
      this.caches.changed(to);
      this.caches.epoch++; // a name moved between objects (see touchedFile)
    }
    // rename(2) is atomic: the target is the old or the new object, never a mix.
    this.caches.listAdd(to);
    try { this.host.rename(src, dst); } catch (e) { throw layerError(e, "rename", from); }
    if (from !== to) this.caches.listRemove(from);
  }

  setattr(path: string, attr: SetAttr): void {
    this.requireWritable("setattr", path);
    const hp = this.tree.resolve(path, "setattr");
    this.caches.changed(path);
    const st = this.tree.lstatOrUndefined(hp, "setattr", path);
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
      throw layerError(e, "setattr", path);
    }
  }

  openWrite(path: string): WritableLayerFile {
    this.requireWritable("openWrite", path);
    return this.openFile(path, true, "openWrite");
  }
}

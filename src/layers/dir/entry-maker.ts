/**
 * How a writable DirLayer makes new entries: files (in place when one
 * open(O_CREAT|O_EXCL) gets exactly the attributes asked for, else through the
 * work directory), copies of other layers' files (a reflink where the host can
 * clone), directories, symlinks and hard links. Each is built in the work
 * directory and renamed into place (work-dir.ts), so no partial entry is ever
 * visible; the layer's caches learn each new name (caches.ts). The layer checks
 * that it is writable and open before calling in.
 */
import { Errno, FsError, errnoOf } from "../../core/errno.ts";
import type { LayerFile, NewEntryAttr } from "../../core/layer.ts";
import type { DirCaches } from "./caches.ts";
import { layerError } from "./entries.ts";
import { DirFile, closeQuietly, copyContent } from "./file.ts";
import type { HostFs } from "./host-fs.ts";
import type { HostTree } from "./host-tree.ts";
import { isOverlayWhiteout, isShown } from "./overlay.ts";
import type { InstallTarget, WorkDir } from "./work-dir.ts";

export class EntryMaker {
  /** The process's file-creation mask as of the layer's open (createInPlace): read once, outside any guest's call. */
  private readonly umask: number | undefined;
  /** Devices whose files this layer's filesystem could not clone (clone()): copied without asking again. */
  private readonly unclonable = new Set<bigint>();

  constructor(
    private readonly host: HostFs,
    private readonly tree: HostTree,
    private readonly caches: DirCaches,
    private readonly work: WorkDir,
    /** fsync a copied file before its rename (DirLayerOptions.durable). */
    private readonly durable: boolean,
  ) {
    // process.umask() costs two syscalls on every call in Node.
    this.umask = host.umask?.();
  }

  /**
   * Host path for creating `path`: parents are real directories and the name is
   * free, or (`overWhiteout`) taken only by an overlayfs char-device whiteout,
   * which the new entry replaces (same-layer `X` beats `.wh.X` anyway).
   */
  private prepare(path: string, syscall: string): InstallTarget {
    if (path === "") { this.tree.validate(path, syscall); throw new FsError(Errno.EXIST, syscall, path); }
    const hp = this.tree.resolve(path, syscall);
    this.caches.changed(path);
    this.caches.listAdd(path);
    const st = this.tree.lstatOrUndefined(hp, syscall, path);
    if ((st && !isOverlayWhiteout(st)) || this.tree.overlayWhiteout(path, syscall)) {
      throw new FsError(Errno.EXIST, syscall, path);
    }
    return { hp, overWhiteout: st !== undefined };
  }

  /** A directory or symlink: made by `make` at a work-directory path, given `attr`, then renamed into place. */
  private installNew(
    path: string, syscall: string, kind: "dir" | "symlink", attr: NewEntryAttr, make: (tmp: string) => void,
  ): InstallTarget {
    const target = this.prepare(path, syscall);
    let tmp: string | undefined;
    try {
      tmp = this.work.tempPath();
      make(tmp);
      this.work.applyNewAttr(tmp, attr, kind);
      this.work.install(tmp, target, kind);
      tmp = undefined;
    } catch (e) {
      if (tmp !== undefined) this.work.discard(tmp);
      throw layerError(e, syscall, path);
    }
    return target;
  }

  mkdir(path: string, attr: NewEntryAttr): void {
    const target = this.installNew(path, "mkdir", "dir", attr, (tmp) => this.host.mkdir(tmp, 0o700));
    this.caches.listStart(path, [], false); // we just made it: empty
    // Built writable (so it could be filled in the work directory): a mode without owner write goes on last.
    if ((attr.mode & 0o200) === 0) {
      try { this.host.chmod(target.hp, attr.mode & 0o7777); } catch (e) { throw layerError(e, "mkdir", path); }
    }
  }

  symlink(path: string, target: string, attr: Partial<NewEntryAttr>): void {
    if (target.includes("\0")) throw new FsError(Errno.INVAL, "symlink", path);
    this.installNew(path, "symlink", "symlink", { mode: 0o777, ...attr }, (tmp) => this.host.symlink(target, tmp));
  }

  /**
   * Create an empty regular file in place with one open(O_CREAT|O_EXCL|O_NOFOLLOW):
   * already atomic (an empty file has no content to tear, unlike a copy-up), so
   * the work directory is not needed when that one call gives exactly `attr`:
   * permission bits the umask leaves alone, no owner or times to set. Returns
   * the read-write descriptor, or undefined when the full path must decide
   * (attributes to apply, the name taken, a host without `umask`: createEmpty).
   */
  createInPlace(path: string, attr: NewEntryAttr, syscall: string): { fd: number; hp: string } | undefined {
    const host = this.host;
    const umask = this.umask;
    if (umask === undefined) return undefined;
    const mode = attr.mode & 0o7777;
    if (attr.uid !== undefined || attr.gid !== undefined || attr.atimeNs !== undefined || attr.mtimeNs !== undefined) return undefined;
    if ((mode & ~0o777) !== 0 || (mode & umask) !== 0) return undefined;
    if (path === "") return undefined;
    const hp = this.tree.resolve(path, syscall);
    this.caches.changed(path);
    this.work.ensure();
    // `.wh.X` already exists (EEXIST) where X is an overlayfs char-device whiteout.
    if (this.tree.overlayWhiteout(path, syscall) !== undefined) return undefined;
    let fd: number;
    this.caches.listAdd(path);
    try { fd = host.open(hp, { createNew: true, mode }); } catch (e) {
      if (errnoOf(e) === Errno.EXIST) return undefined; // EEXIST, or an overlayfs whiteout to replace: the full path decides
      throw layerError(e, syscall, path);
    }
    this.caches.noteNonDir(path, "file"); // O_EXCL made a new regular file there
    return { fd, hp };
  }

  /** An empty file through the work directory (attributes applied before the entry appears). */
  createEmpty(path: string, attr: NewEntryAttr): void {
    const target = this.prepare(path, "createFile");
    const host = this.host;
    try {
      this.work.installFile(target, attr, (tmp) => {
        host.close(host.open(tmp, { createNew: true, mode: 0o600 }));
        return -1;
      }, false);
    } catch (e) { throw layerError(e, "createFile", path); }
  }

  /**
   * `src` (a file on device `dev`) cloned to `tmp` where the host and the
   * filesystems can (HostFs.cloneFile); false, with nothing made, where they
   * cannot, and from then on for every file of `dev` without asking (one failed
   * attempt per source device: ENOTSUP on tmpfs or ext4, EXDEV across filesystems).
   * A clone is not fsynced before its rename, as kernel overlayfs does not fsync
   * a copy-up it cloned (fs/overlayfs/copy_up.c): no data moved, the shared
   * extents are the source's, already written (the filesystem flushes the source
   * before it remaps), and the new mapping is journaled metadata (XFS, btrfs)
   * that a crash cannot keep the later rename without. On a loop XFS here the
   * fsync was 0.18 of a 0.39 ms copy-up; on a real disk it is a log flush.
   */
  private clone(src: string, dev: bigint, tmp: string): boolean {
    const host = this.host;
    if (host.cloneFile === undefined || this.unclonable.has(dev)) return false;
    try {
      host.cloneFile(src, tmp);
      return true;
    } catch (e) {
      const errno = errnoOf(e);
      if (errno !== Errno.NOTSUP && errno !== Errno.XDEV && errno !== Errno.INVAL) throw e;
      this.unclonable.add(dev);
      return false;
    }
  }

  /** A copy of another layer's file `source` (WritableLayer.createFileFrom). */
  copyFrom(path: string, source: LayerFile, attr: NewEntryAttr): void {
    // A (sparse) layer file past the safe-integer range cannot be copied exactly, and
    // copying exabytes of holes would never end: refuse it like a write there (EFBIG).
    if (!Number.isSafeInteger(source.stat().size)) throw new FsError(Errno.FBIG, "createFileFrom", path);
    const target = this.prepare(path, "createFileFrom");
    const host = this.host;
    const durable = this.durable;
    try {
      this.work.installFile(target, attr, (tmp) => {
        const src = source instanceof DirFile ? source.clonable() : undefined;
        if (src !== undefined) {
          if (this.clone(src.path, src.dev, tmp)) return -1; // nothing to fsync: see clone()
          // The host's copy (copy_file_range: DenoFs, with no cloneFile, may get a clone from it).
          host.copyFile(src.path, tmp);
          return durable ? host.open(tmp, { write: true }) : -1;
        }
        const fd = host.open(tmp, { createNew: true, mode: 0o600 });
        try { copyContent(host, fd, source); } catch (e) { closeQuietly(host, fd); throw e; }
        return fd;
      }, durable);
    } catch (e) { throw layerError(e, "createFileFrom", path); }
  }

  /** Hard link: `newPath` becomes another name of the file at `existing`. */
  link(existing: string, newPath: string): void {
    this.caches.changed(existing); // its nlink and ctime change
    this.caches.epoch++; // an open file may now have another name
    const from = this.tree.resolve(existing, "link");
    const st = this.tree.lstatOrUndefined(from, "link", existing);
    if (!st || !isShown(st)) throw new FsError(Errno.NOENT, "link", existing);
    if (st.kind === "dir") throw new FsError(Errno.PERM, "link", existing);
    const target = this.prepare(newPath, "link");
    // link(2) is atomic and, on Linux, links a symlink itself rather than its target.
    try {
      if (target.overWhiteout) this.host.unlink(target.hp);
      this.host.link(from, target.hp);
    } catch (e) { throw layerError(e, "link", newPath); }
  }
}

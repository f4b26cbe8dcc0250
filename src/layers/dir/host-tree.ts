/**
 * Containment: how a DirLayer turns a layer path into a host path it may act
 * on. Paths with "..", NUL or a leading "/" are refused; every parent
 * component is lstat-checked to be a real directory (a symlink is not one),
 * once per directory (DirCaches.dirs); the final component is then acted on
 * with no-follow calls by the caller.
 */
import { Errno, FsError, errnoOf } from "../../core/errno.ts";
import type { DirCaches } from "./caches.ts";
import { fail } from "./entries.ts";
import type { HostFs, HostStat } from "./host-fs.ts";
import { isOverlayWhiteout, isShown, overlayWhiteoutPath } from "./overlay.ts";

export class HostTree {
  constructor(private readonly host: HostFs, private readonly root: string, private readonly caches: DirCaches) {}

  /** Defensive check of a layer-relative path (the union already normalises them). */
  validate(path: string, syscall: string): void {
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

  hostPath(path: string): string {
    if (path === "") return this.root;
    return this.root.endsWith("/") ? this.root + path : this.root + "/" + path;
  }

  /** Check every parent component of `path` is a real directory (lstat: a symlink is not one). */
  checkParents(path: string, syscall: string): void {
    // `dirs` holds a directory only with all its ancestors (added top-down, forgotten by subtree):
    // a checked parent answers for the whole chain.
    const slash = path.lastIndexOf("/");
    if (slash < 0 || this.caches.dirs.has(path.slice(0, slash))) return;
    let i = path.indexOf("/");
    while (i >= 0) {
      const dir = path.slice(0, i);
      if (!this.caches.dirs.has(dir)) {
        let st: HostStat;
        try { st = this.host.lstat(this.hostPath(dir)); } catch (e) {
          // `.wh.X` standing for an overlayfs whiteout X is a file: ENOTDIR through it.
          if (errnoOf(e) === Errno.NOENT && this.overlayWhiteout(dir, syscall)) throw new FsError(Errno.NOTDIR, syscall, path);
          throw fail(e, syscall, path);
        }
        if (st.kind !== "dir") throw new FsError(isShown(st) ? Errno.NOTDIR : Errno.NOENT, syscall, path);
        this.caches.dirs.add(dir);
      }
      i = path.indexOf("/", i + 1);
    }
  }

  /** Validated host path of `path` whose parents are real directories. */
  resolve(path: string, syscall: string): string {
    this.validate(path, syscall);
    this.checkParents(path, syscall);
    return this.hostPath(path);
  }

  lstatOrUndefined(hostPath: string, syscall: string, path: string): HostStat | undefined {
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
  overlayWhiteout(path: string, syscall: string): { hostPath: string; st: HostStat } | undefined {
    const tp = overlayWhiteoutPath(path);
    if (tp === undefined) return undefined;
    if (this.caches.absent.has(tp)) return undefined; // nothing at X, so no char device either
    const hp = this.hostPath(tp);
    const st = this.lstatOrUndefined(hp, syscall, path);
    return st && isOverlayWhiteout(st) ? { hostPath: hp, st } : undefined;
  }
}

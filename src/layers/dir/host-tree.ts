/**
 * Containment: how a DirLayer turns a layer path into a host path it may act
 * on. Paths with "..", NUL or a leading "/" are refused; every parent
 * component is lstat-checked to be a real directory (a symlink is not one),
 * once per directory (DirCaches.dirs); the final component is then acted on
 * with no-follow calls by the caller.
 */
import { Errno, FsError, errnoOf } from "../../core/errno.ts";
import { checkLayerPath, keySlice, lastSlash } from "../../core/layer.ts";
import type { DirCaches } from "./caches.ts";
import { layerError, lstatIfPresent } from "./entries.ts";
import type { HostFs, HostStat } from "./host-fs.ts";
import { isOverlayWhiteout, isShown, overlayWhiteoutPath } from "./overlay.ts";

export class HostTree {
  /** The root with a trailing "/": a host path is one concatenation. */
  private readonly rootSlash: string;
  /** The path validate passed last (a path is valid or not whatever the call: asked again, it needs no new scan). */
  private lastValid = "";

  constructor(private readonly host: HostFs, private readonly root: string, private readonly caches: DirCaches) {
    this.rootSlash = root.endsWith("/") ? root : root + "/";
  }

  /** Defensive check of a layer-relative path (the union already normalises them). */
  validate(path: string, syscall: string): void {
    if (path === this.lastValid) return;
    checkLayerPath(path, syscall, Errno.NOTCAPABLE);
    this.lastValid = path;
  }

  hostPath(path: string): string {
    return path === "" ? this.root : this.rootSlash + path;
  }

  /** Check every parent component of `path` is a real directory (lstat: a symlink is not one). */
  checkParents(path: string, syscall: string): void {
    // `dirs` holds a directory only with all its ancestors (added top-down, forgotten by subtree):
    // a checked parent answers for the whole chain.
    const slash = lastSlash(path);
    if (slash < 0 || this.caches.dirs.has(keySlice(path, 0, slash))) return;
    let i = path.indexOf("/");
    while (i >= 0) {
      const dir = path.slice(0, i);
      if (!this.caches.dirs.has(dir)) {
        let st: HostStat;
        try { st = this.host.lstat(this.hostPath(dir)); } catch (e) {
          // `.wh.X` standing for an overlayfs whiteout X is a file: ENOTDIR through it.
          if (errnoOf(e) === Errno.NOENT && this.overlayWhiteout(dir, syscall)) throw new FsError(Errno.NOTDIR, syscall, path);
          throw layerError(e, syscall, path);
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
    return lstatIfPresent(this.host, hostPath, syscall, path);
  }

  /** The overlayfs char-device whiteout that `.wh.X` at `path` stands for, if any. */
  overlayWhiteout(path: string, syscall: string): { hostPath: string; st: HostStat } | undefined {
    const tp = overlayWhiteoutPath(path);
    if (tp === undefined) return undefined;
    if (this.caches.isAbsent(tp)) return undefined; // nothing at X, so no char device either
    const hp = this.hostPath(tp);
    const st = this.lstatOrUndefined(hp, syscall, path);
    return st && isOverlayWhiteout(st) ? { hostPath: hp, st } : undefined;
  }
}

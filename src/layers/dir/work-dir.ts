/**
 * The work directory of a writable DirLayer and atomic install: every new
 * entry (file, copied-up file, directory, symlink) is built here, outside the
 * layer tree, with its final attributes, then renamed into place, so a failing
 * write or a crash never leaves a partial entry visible. removeTree first
 * renames the tree in here. The directory must be on the layer's filesystem
 * (rename(2) cannot cross filesystems) and outside the layer.
 */
import { Errno, FsError, errnoOf } from "../../core/errno.ts";
import type { NewEntryAttr } from "../../core/layer.ts";
import { nowNs } from "../../core/layer.ts";
import { lstatIfPresent } from "./entries.ts";
import { closeQuietly } from "./file.ts";
import type { HostFs, HostStat } from "./host-fs.ts";

/** Where a new entry goes: its host path, and whether an overlayfs char-device whiteout is there to replace. */
export interface InstallTarget {
  hp: string;
  overWhiteout: boolean;
}

export class WorkDir {
  private ready = false;
  private counter = 0;

  /** `path`: canonical (canonicalWorkDir), checked to be outside the layer at `root`, whose device is `rootDev` (its lstat at open). */
  constructor(private readonly host: HostFs, readonly path: string, private readonly rootDev: bigint) {}

  /** A fresh, unused path in the work directory (created on first use). */
  tempPath(): string {
    this.ensure();
    const rand = Math.floor(Math.random() * 0x1_0000_0000).toString(36);
    return `${this.path}/tmp.${++this.counter}.${rand}`;
  }

  /**
   * Create and check the work directory once, on the first mutation that may
   * need it (a misplaced one fails there, even if that mutation could do without).
   */
  ensure(): void {
    if (this.ready) return;
    const wd = this.path;
    const host = this.host;
    // No exception for the usual miss (a work directory is released when empty): this runs
    // inside the first create of every run, where building one cost more than the mkdir.
    let st: HostStat | undefined = lstatIfPresent(host, wd, "workdir", "");
    if (st === undefined) {
      host.mkdir(wd, 0o700);
      st = host.lstat(wd);
    }
    if (st.kind !== "dir") throw new FsError(Errno.NOTDIR, "workdir", undefined, "work directory is not a directory");
    // rename(2) cannot cross filesystems: fail clearly instead of falling back to a non-atomic copy.
    // The root's device as of open: a root moved to another filesystem since then fails its renames with EXDEV.
    if (st.dev !== this.rootDev) {
      throw new FsError(Errno.XDEV, "workdir", undefined, "work directory must be on the layer's filesystem");
    }
    this.ready = true;
  }

  /** Remove the work directory if it is empty (junk from a failed step stays for inspection); made again when needed. */
  release(): void {
    try {
      this.host.rmdir(this.path);
    } catch {
      return; // not empty, or never made
    }
    this.ready = false;
  }

  /** Best-effort removal of a host path that was never visible (temporary entries). */
  discard(hostPath: string): void {
    try { removeHostTree(this.host, hostPath); } catch { /* junk stays in the work dir, never in the layer */ }
  }

  /** Owner, mode and times of a freshly built entry (still in the work dir). */
  applyNewAttr(hostPath: string, attr: NewEntryAttr, kind: "file" | "dir" | "symlink"): void {
    const host = this.host;
    if (attr.uid !== undefined || attr.gid !== undefined) {
      const st = host.lstat(hostPath);
      const uid = attr.uid ?? st.uid;
      const gid = attr.gid ?? st.gid;
      if (uid !== st.uid || gid !== st.gid) {
        try { host.lchown(hostPath, uid, gid); } catch (e) {
          // An unprivileged process cannot give files away; keep the host owner then.
          const errno = errnoOf(e);
          if (errno !== Errno.PERM && !(kind === "symlink" && errno === Errno.NOTSUP)) throw e;
        }
      }
    }
    // Directories being moved need owner write (to update ".."); the exact mode is set after the rename.
    if (kind === "file") host.chmod(hostPath, attr.mode & 0o7777);
    else if (kind === "dir") host.chmod(hostPath, (attr.mode & 0o7777) | 0o200);
    if (attr.atimeNs !== undefined || attr.mtimeNs !== undefined) {
      const now = nowNs();
      try { host.lutimes(hostPath, attr.atimeNs ?? now, attr.mtimeNs ?? now); } catch (e) {
        if (!(kind === "symlink" && errnoOf(e) === Errno.NOTSUP)) throw e;
      }
    }
  }

  /**
   * Build a regular file at a fresh temporary path and rename it into place
   * with `attr`: `make(tmp)` creates it and returns a descriptor to fsync
   * (with `durable`) and close, or -1 (it closes its own descriptor if it
   * fails). On any failure the temporary file is discarded.
   */
  installFile(target: InstallTarget, attr: NewEntryAttr, make: (tmp: string) => number, durable: boolean): void {
    let tmp: string | undefined;
    let fd = -1;
    try {
      tmp = this.tempPath();
      fd = make(tmp);
      if (fd >= 0 && durable) this.host.fsync(fd);
      if (fd >= 0) { const f = fd; fd = -1; this.host.close(f); }
      this.applyNewAttr(tmp, attr, "file");
      this.install(tmp, target, "file");
      tmp = undefined;
    } catch (e) {
      closeQuietly(this.host, fd);
      if (tmp !== undefined) this.discard(tmp);
      throw e;
    }
  }

  /** Rename a fully built temporary entry into place (atomically replacing a char-device whiteout of a file). */
  install(tmp: string, target: InstallTarget, kind: "file" | "dir" | "symlink"): void {
    // rename(2) cannot put a directory over a device node: that whiteout goes first.
    if (target.overWhiteout && kind === "dir") this.host.unlink(target.hp);
    this.host.rename(tmp, target.hp);
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

/** The default work directory of a layer at `root`: a hidden sibling `<root>/../.<name>.layerfs-work`. */
export function defaultWorkDir(root: string): string {
  if (root === "/") throw new FsError(Errno.INVAL, "DirLayer", root, "a writable layer at / needs an explicit workDir");
  const slash = root.lastIndexOf("/");
  const parent = slash <= 0 ? "/" : root.slice(0, slash);
  return `${parent === "/" ? "" : parent}/.${root.slice(slash + 1)}.layerfs-work`;
}

/** Canonical form of a work directory that may not exist yet (its parent must). */
export function canonicalWorkDir(host: HostFs, wd: string): string {
  try { return host.realpath(wd); } catch (e) {
    if (errnoOf(e) !== Errno.NOENT) throw e;
  }
  const trimmed = wd.replace(/\/+$/, "");
  const slash = trimmed.lastIndexOf("/");
  const parent = slash < 0 ? "." : slash === 0 ? "/" : trimmed.slice(0, slash);
  const real = host.realpath(parent);
  return (real.endsWith("/") ? real : real + "/") + trimmed.slice(slash + 1);
}

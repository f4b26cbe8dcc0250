/**
 * HostFs over Deno's built-in sync APIs (Deno std is not reachable here, and the
 * node:fs compatibility layer is not used). See layers/dir/host-fs.ts for the contract.
 *
 * Deno has no O_NOFOLLOW, lchown, lutimes or fchmod. This implementation
 * checks with lstat before acting on a path, and after opening an existing
 * file compares the descriptor's (dev, ino) with that lstat, so a final
 * symlink is never followed for any write. Times of a symlink itself and the
 * owner of a symlink can only be set through an optional `fallback` (see
 * deno.ts); without one those calls fail with ENOTSUP. Deno reports times with
 * millisecond precision (ctime in whole seconds: see ctimeNs).
 */
import { Errno, FsError } from "../core/errno.ts";
import type { HostDirent, HostFs, HostOpenOptions, HostProcesses, HostStat } from "../layers/dir/host-fs.ts";
import { nsToSeconds, toFsError } from "./host-fs.ts";
import { hostProcesses } from "./processes.ts";

/** The slice of the Deno namespace used here (declared locally: no Deno type package needed). */
interface DenoFileInfo {
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  size: number;
  mtime: Date | null;
  atime: Date | null;
  ctime?: Date | null;
  dev: number;
  ino: number | null;
  mode: number | null;
  nlink: number | null;
  uid: number | null;
  gid: number | null;
  rdev: number | null;
  isBlockDevice: boolean | null;
  isCharDevice: boolean | null;
  isFifo: boolean | null;
  isSocket: boolean | null;
}
interface DenoFsFile {
  readSync(p: Uint8Array): number | null;
  writeSync(p: Uint8Array): number;
  seekSync(offset: number, whence: number): number;
  truncateSync(len?: number): void;
  statSync(): DenoFileInfo;
  syncSync(): void;
  utimeSync(atime: number | Date, mtime: number | Date): void;
  close(): void;
}
interface DenoNamespace {
  lstatSync(path: string): DenoFileInfo;
  readDirSync(path: string): Iterable<{ name: string; isFile: boolean; isDirectory: boolean; isSymlink: boolean }>;
  readLinkSync(path: string): string;
  realPathSync(path: string): string;
  openSync(path: string, options: {
    read?: boolean; write?: boolean; create?: boolean; createNew?: boolean; truncate?: boolean; mode?: number;
  }): DenoFsFile;
  mkdirSync(path: string, options?: { mode?: number; recursive?: boolean }): void;
  removeSync(path: string, options?: { recursive?: boolean }): void;
  renameSync(from: string, to: string): void;
  symlinkSync(target: string, path: string): void;
  linkSync(existing: string, newPath: string): void;
  chmodSync(path: string, mode: number): void;
  chownSync(path: string, uid: number | null, gid: number | null): void;
  utimeSync(path: string, atime: number | Date, mtime: number | Date): void;
  copyFileSync(from: string, to: string): void;
  makeTempDirSync(options?: { dir?: string; prefix?: string }): string;
  readTextFileSync(path: string): string;
  readonly pid: number;
  hostname(): string;
  /** The file-creation mask (Deno 1.x had it behind --unstable). */
  umask?(): number;
}

/** Operations Deno lacks, supplied by the caller (deno.ts passes node:fs's lutimesSync/lchownSync). */
export interface DenoFsFallback {
  lutimes?(path: string, atimeSeconds: number, mtimeSeconds: number): void;
  lchown?(path: string, uid: number, gid: number): void;
  /** kill(pid, 0) (Deno.kill takes no signal 0): only needed where there is no /proc. */
  processExists?(pid: number): boolean;
}

let processes: HostProcesses | undefined;

/** This Deno process and its peers (one instance: one unload listener per process). */
function denoProcesses(D: DenoNamespace, fallback: DenoFsFallback): HostProcesses {
  return (processes ??= hostProcesses({
    pid: D.pid,
    hostname: () => D.hostname(),
    readText: (path) => {
      try { return D.readTextFileSync(path); } catch { return undefined; }
    },
    exists: (pid) => fallback.processExists?.(pid) ?? true,
    // Deno dispatches "unload" on a normal end and on Deno.exit().
    onExit: (fn) => globalThis.addEventListener("unload", fn),
  }));
}

const SEEK_START = 0;

/** Deno turns float seconds into ns with rounding error; a Date is exact for ms-aligned times. */
function denoTime(ns: bigint): number | Date {
  return ns % 1_000_000n === 0n ? new Date(Number(ns / 1_000_000n)) : nsToSeconds(ns);
}

function dateNs(d: Date | null | undefined): bigint {
  return d ? BigInt(d.getTime()) * 1_000_000n : 0n;
}

/**
 * Deno reports ctime in whole seconds. A change time is never before the last
 * content change in practice, so within ctime's second, take mtime when later.
 */
function ctimeNs(s: DenoFileInfo): bigint {
  const m = dateNs(s.mtime);
  if (!s.ctime) return m;
  const c = dateNs(s.ctime);
  return m > c && m < c + 1_000_000_000n ? m : c;
}

function hostStat(s: DenoFileInfo): HostStat {
  const kind: HostStat["kind"] = s.isFile ? "file" : s.isDirectory ? "dir" : s.isSymlink ? "symlink"
    : s.isCharDevice ? "char" : s.isBlockDevice ? "block" : s.isFifo ? "fifo" : s.isSocket ? "socket" : "file";
  return {
    kind,
    mode: (s.mode ?? 0) & 0o7777,
    uid: s.uid ?? 0,
    gid: s.gid ?? 0,
    size: s.size,
    nlink: s.nlink ?? 1,
    dev: BigInt(s.dev),
    ino: BigInt(s.ino ?? 0),
    rdev: BigInt(s.rdev ?? 0),
    atimeNs: dateNs(s.atime),
    mtimeNs: dateNs(s.mtime),
    ctimeNs: ctimeNs(s),
  };
}

function denoNamespace(): DenoNamespace {
  const d = (globalThis as unknown as { Deno?: DenoNamespace }).Deno;
  if (!d) throw new FsError(Errno.NOSYS, "deno-fs", undefined, "not running in Deno");
  return d;
}

/**
 * An open Deno file and its offset as far as known (-1: unknown). Deno has no
 * pread/pwrite: a positioned call seeks first, unless the offset is already
 * there (sequential I/O then costs one host call per read or write, not two).
 */
interface OpenDenoFile {
  f: DenoFsFile;
  at: number;
}

/** HostFs over Deno's sync file APIs (see this module's header for what Deno lacks). */
export class DenoFs implements HostFs {
  readonly name = "deno";
  /** `open` checks the path with lstat and the descriptor against it (see open): no caller needs to check again. */
  readonly openNoFollow = true;
  private readonly D: DenoNamespace;
  private readonly files = new Map<number, OpenDenoFile>();
  private nextFd = 3;
  private readonly fallback: DenoFsFallback;

  /** The file-creation mask, where this Deno has Deno.umask (a create then needs no work directory: DirLayer.createInPlace). */
  readonly umask: (() => number) | undefined;

  constructor(fallback: DenoFsFallback = {}) {
    const D = denoNamespace();
    this.D = D;
    this.fallback = fallback;
    // Where Deno.umask exists but cannot answer (Windows), 0o777 sends every create through the work directory.
    this.umask = typeof D.umask === "function" ? () => { try { return D.umask!(); } catch { return 0o777; } } : undefined;
  }

  get processes(): HostProcesses {
    return denoProcesses(this.D, this.fallback);
  }

  private entry(fd: number, syscall: string): OpenDenoFile {
    const o = this.files.get(fd);
    if (!o) throw new FsError(Errno.BADF, syscall);
    return o;
  }

  private file(fd: number, syscall: string): DenoFsFile {
    return this.entry(fd, syscall).f;
  }

  /** Move `o` to `position` unless it is known to be there. */
  private seek(o: OpenDenoFile, position: number): void {
    if (o.at === position) return;
    o.at = -1; // unknown until the seek is done
    o.f.seekSync(position, SEEK_START);
    o.at = position;
  }

  lstat(path: string): HostStat {
    try { return hostStat(this.D.lstatSync(path)); } catch (e) { throw toFsError(e, "lstat", path); }
  }
  fstat(fd: number): HostStat {
    const f = this.file(fd, "fstat");
    try { return hostStat(f.statSync()); } catch (e) { throw toFsError(e, "fstat"); }
  }
  readdir(path: string): HostDirent[] {
    try {
      const out: HostDirent[] = [];
      for (const e of this.D.readDirSync(path)) {
        out.push({ name: e.name, kind: e.isFile ? "file" : e.isDirectory ? "dir" : e.isSymlink ? "symlink" : "unknown" });
      }
      return out;
    } catch (e) { throw toFsError(e, "readdir", path); }
  }
  readlink(path: string): string {
    try { return this.D.readLinkSync(path); } catch (e) { throw toFsError(e, "readlink", path); }
  }
  realpath(path: string): string {
    try { return this.D.realPathSync(path); } catch (e) { throw toFsError(e, "realpath", path); }
  }

  open(path: string, options: HostOpenOptions = {}): number {
    let f: DenoFsFile;
    if (options.createNew) {
      // O_CREAT|O_EXCL never follows a symlink: it fails with EEXIST instead.
      try {
        f = this.D.openSync(path, { read: true, write: true, createNew: true, mode: options.mode ?? 0o644 });
      } catch (e) { throw toFsError(e, "open", path); }
    } else {
      // No O_NOFOLLOW in Deno: lstat, open, then check the descriptor is the object lstat saw.
      const before = this.lstat(path);
      if (before.kind === "symlink") throw new FsError(Errno.LOOP, "open", path);
      if (before.kind !== "file" && before.kind !== "dir") throw new FsError(Errno.NXIO, "open", path);
      try { f = this.D.openSync(path, { read: true, write: !!options.write }); } catch (e) { throw toFsError(e, "open", path); }
      let after: HostStat;
      try { after = hostStat(f.statSync()); } catch (e) { f.close(); throw toFsError(e, "open", path); }
      if (after.dev !== before.dev || after.ino !== before.ino) {
        f.close();
        throw new FsError(Errno.LOOP, "open", path, "path changed while opening");
      }
    }
    const fd = this.nextFd++;
    this.files.set(fd, { f, at: 0 });
    return fd;
  }
  pread(fd: number, buf: Uint8Array, position: number): number {
    const o = this.entry(fd, "pread");
    try {
      this.seek(o, position);
      o.at = -1;
      const n = o.f.readSync(buf) ?? 0;
      o.at = position + n;
      return n;
    } catch (e) { throw toFsError(e, "pread"); }
  }
  pwrite(fd: number, buf: Uint8Array, position: number): number {
    const o = this.entry(fd, "pwrite");
    try {
      this.seek(o, position);
      o.at = -1;
      const n = o.f.writeSync(buf);
      o.at = position + n;
      return n;
    } catch (e) { throw toFsError(e, "pwrite"); }
  }
  ftruncate(fd: number, size: number): void {
    const f = this.file(fd, "ftruncate");
    try { f.truncateSync(size); } catch (e) { throw toFsError(e, "ftruncate"); }
  }
  fsync(fd: number): void {
    const f = this.file(fd, "fsync");
    try { f.syncSync(); } catch (e) { throw toFsError(e, "fsync"); }
  }
  futimes(fd: number, atimeNs: bigint, mtimeNs: bigint): void {
    const f = this.file(fd, "futimes");
    try { f.utimeSync(denoTime(atimeNs), denoTime(mtimeNs)); } catch (e) { throw toFsError(e, "futimes"); }
  }
  close(fd: number): void {
    const f = this.file(fd, "close");
    this.files.delete(fd);
    try { f.close(); } catch (e) { throw toFsError(e, "close"); }
  }

  mkdir(path: string, mode: number): void {
    try { this.D.mkdirSync(path, { mode }); } catch (e) { throw toFsError(e, "mkdir", path); }
  }
  rmdir(path: string): void {
    // Deno.removeSync picks unlink or rmdir itself: check the kind first.
    if (this.lstat(path).kind !== "dir") throw new FsError(Errno.NOTDIR, "rmdir", path);
    try { this.D.removeSync(path); } catch (e) { throw toFsError(e, "rmdir", path); }
  }
  unlink(path: string): void {
    if (this.lstat(path).kind === "dir") throw new FsError(Errno.ISDIR, "unlink", path);
    try { this.D.removeSync(path); } catch (e) { throw toFsError(e, "unlink", path); }
  }
  rename(from: string, to: string): void {
    try { this.D.renameSync(from, to); } catch (e) { throw toFsError(e, "rename", from); }
  }
  symlink(target: string, path: string): void {
    try { this.D.symlinkSync(target, path); } catch (e) { throw toFsError(e, "symlink", path); }
  }
  link(existing: string, newPath: string): void {
    // Deno's linkSync is linkat(2) without AT_SYMLINK_FOLLOW: a symlink is linked itself.
    try { this.D.linkSync(existing, newPath); } catch (e) { throw toFsError(e, "link", newPath); }
  }
  chmod(path: string, mode: number): void {
    if (this.lstat(path).kind === "symlink") throw new FsError(Errno.LOOP, "chmod", path);
    try { this.D.chmodSync(path, mode); } catch (e) { throw toFsError(e, "chmod", path); }
  }
  lchown(path: string, uid: number, gid: number): void {
    const st = this.lstat(path);
    if (st.kind === "symlink") {
      if (st.uid === uid && st.gid === gid) return;
      if (!this.fallback.lchown) throw new FsError(Errno.NOTSUP, "lchown", path, "Deno has no lchown");
      try { this.fallback.lchown(path, uid, gid); return; } catch (e) { throw toFsError(e, "lchown", path); }
    }
    try { this.D.chownSync(path, uid, gid); } catch (e) { throw toFsError(e, "lchown", path); }
  }
  lutimes(path: string, atimeNs: bigint, mtimeNs: bigint): void {
    if (this.lstat(path).kind === "symlink") {
      if (!this.fallback.lutimes) throw new FsError(Errno.NOTSUP, "lutimes", path, "Deno has no lutimes");
      try { this.fallback.lutimes(path, nsToSeconds(atimeNs + 500n), nsToSeconds(mtimeNs + 500n)); return; } catch (e) {
        throw toFsError(e, "lutimes", path);
      }
    }
    try { this.D.utimeSync(path, denoTime(atimeNs), denoTime(mtimeNs)); } catch (e) { throw toFsError(e, "lutimes", path); }
  }
  copyFile(from: string, to: string): void {
    // Deno.copyFileSync overwrites: keep the no-replace contract by checking first.
    let exists = true;
    try { this.D.lstatSync(to); } catch { exists = false; }
    if (exists) throw new FsError(Errno.EXIST, "copyfile", to);
    if (this.lstat(from).kind !== "file") throw new FsError(Errno.INVAL, "copyfile", from);
    // On Linux Deno copies with copy_file_range, which the kernel serves with a clone (reflink)
    // within a filesystem that has them (XFS, btrfs: test/host/reflink.test.ts); Deno has no
    // clone-only call, so DenoFs has no cloneFile and such a copy is fsynced like any other.
    try { this.D.copyFileSync(from, to); } catch (e) { throw toFsError(e, "copyfile", to); }
  }
}

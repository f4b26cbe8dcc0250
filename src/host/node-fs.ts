/** HostFs over node:fs (sync API). See layers/dir/host-fs.ts for the contract. */
import * as fs from "node:fs";
import type { BigIntStats } from "node:fs";
import { hostname } from "node:os";
import { Errno, FsError } from "../core/errno.ts";
import type { HostDirent, HostFs, HostOpenOptions, HostProcesses, HostStat } from "../layers/dir/host-fs.ts";
import { kindOfMode, nsToSeconds, toFsError } from "./host-fs.ts";
import { hostProcesses } from "./processes.ts";

let processes: HostProcesses | undefined;

/** This Node process and its peers (one instance: one exit listener per process). */
function nodeProcesses(): HostProcesses {
  return (processes ??= hostProcesses({
    pid: process.pid,
    hostname,
    readText: (path) => {
      try { return fs.readFileSync(path, "utf8"); } catch { return undefined; }
    },
    exists: (pid) => {
      try { process.kill(pid, 0); return true; } catch (e) { return (e as { code?: string }).code === "EPERM"; }
    },
    onExit: (fn) => void process.on("exit", fn),
  }));
}

/**
 * node:fs takes times as float seconds and libuv truncates them to whole
 * microseconds; adding half a microsecond first makes every microsecond-aligned
 * time (and so every ms-aligned one) land exactly instead of 1 us early.
 */
function libuvSeconds(ns: bigint): number {
  return nsToSeconds(ns + 500n);
}

const C = fs.constants;
// O_NOFOLLOW makes the kernel refuse a final symlink (ELOOP); O_NONBLOCK keeps a
// FIFO that appears by a race from blocking the open.
const NOFOLLOW = (C.O_NOFOLLOW ?? 0) | (C.O_NONBLOCK ?? 0);

const LSTAT_IF_EXISTS = { bigint: true, throwIfNoEntry: false } as const;
const BIGINT = { bigint: true } as const;

function hostStat(s: BigIntStats): HostStat {
  return {
    kind: kindOfMode(Number(s.mode)),
    mode: Number(s.mode) & 0o7777,
    uid: Number(s.uid),
    gid: Number(s.gid),
    size: Number(s.size),
    nlink: Number(s.nlink),
    dev: s.dev,
    ino: s.ino,
    rdev: s.rdev,
    atimeNs: s.atimeNs,
    mtimeNs: s.mtimeNs,
    ctimeNs: s.ctimeNs,
  };
}

function direntKind(d: fs.Dirent): HostDirent["kind"] {
  if (d.isFile()) return "file";
  if (d.isDirectory()) return "dir";
  if (d.isSymbolicLink()) return "symlink";
  if (d.isCharacterDevice()) return "char";
  if (d.isBlockDevice()) return "block";
  if (d.isFIFO()) return "fifo";
  if (d.isSocket()) return "socket";
  return "unknown";
}

export class NodeFs implements HostFs {
  readonly name = "node";
  readonly openNoFollow = C.O_NOFOLLOW !== undefined;
  /** lstat with bigint: true gives ns mtime and ctime (HostFs.exactDirTimes). */
  readonly exactDirTimes = true;
  get processes(): HostProcesses {
    return nodeProcesses();
  }

  umask(): number {
    return process.umask();
  }

  lstat(path: string): HostStat {
    try { return hostStat(fs.lstatSync(path, BIGINT)); } catch (e) { throw toFsError(e, "lstat", path); }
  }
  lstatIfExists(path: string): HostStat | undefined {
    let s: BigIntStats | undefined;
    try { s = fs.lstatSync(path, LSTAT_IF_EXISTS); } catch (e) {
      const f = toFsError(e, "lstat", path);
      if (f.errno === Errno.NOTDIR) return undefined;
      throw f;
    }
    return s === undefined ? undefined : hostStat(s);
  }
  fstat(fd: number): HostStat {
    try { return hostStat(fs.fstatSync(fd, BIGINT)); } catch (e) { throw toFsError(e, "fstat"); }
  }
  readdir(path: string): HostDirent[] {
    try {
      return fs.readdirSync(path, { withFileTypes: true }).map((d) => ({ name: d.name, kind: direntKind(d) }));
    } catch (e) { throw toFsError(e, "readdir", path); }
  }
  readlink(path: string): string {
    try { return fs.readlinkSync(path, "utf8"); } catch (e) { throw toFsError(e, "readlink", path); }
  }
  realpath(path: string): string {
    try { return fs.realpathSync(path); } catch (e) { throw toFsError(e, "realpath", path); }
  }

  open(path: string, options: HostOpenOptions = {}): number {
    let flags = NOFOLLOW;
    if (options.createNew) flags |= C.O_RDWR | C.O_CREAT | C.O_EXCL;
    else flags |= options.write ? C.O_RDWR : C.O_RDONLY;
    try { return fs.openSync(path, flags, options.mode ?? 0o644); } catch (e) { throw toFsError(e, "open", path); }
  }
  pread(fd: number, buf: Uint8Array, position: number): number {
    try { return fs.readSync(fd, buf, 0, buf.length, position); } catch (e) { throw toFsError(e, "pread"); }
  }
  pwrite(fd: number, buf: Uint8Array, position: number): number {
    try { return fs.writeSync(fd, buf, 0, buf.length, position); } catch (e) { throw toFsError(e, "pwrite"); }
  }
  ftruncate(fd: number, size: number): void {
    try { fs.ftruncateSync(fd, size); } catch (e) { throw toFsError(e, "ftruncate"); }
  }
  fsync(fd: number): void {
    try { fs.fsyncSync(fd); } catch (e) { throw toFsError(e, "fsync"); }
  }
  futimes(fd: number, atimeNs: bigint, mtimeNs: bigint): void {
    try { fs.futimesSync(fd, libuvSeconds(atimeNs), libuvSeconds(mtimeNs)); } catch (e) { throw toFsError(e, "futimes"); }
  }
  close(fd: number): void {
    try { fs.closeSync(fd); } catch (e) { throw toFsError(e, "close"); }
  }

  mkdir(path: string, mode: number): void {
    try { fs.mkdirSync(path, { mode }); } catch (e) { throw toFsError(e, "mkdir", path); }
  }
  rmdir(path: string): void {
    try { fs.rmdirSync(path); } catch (e) { throw toFsError(e, "rmdir", path); }
  }
  unlink(path: string): void {
    try { fs.unlinkSync(path); } catch (e) { throw toFsError(e, "unlink", path); }
  }
  rename(from: string, to: string): void {
    try { fs.renameSync(from, to); } catch (e) { throw toFsError(e, "rename", from); }
  }
  symlink(target: string, path: string): void {
    try { fs.symlinkSync(target, path); } catch (e) { throw toFsError(e, "symlink", path); }
  }
  link(existing: string, newPath: string): void {
    // node's linkSync is link(2), which on Linux does not follow a symlink `existing`.
    try { fs.linkSync(existing, newPath); } catch (e) { throw toFsError(e, "link", newPath); }
  }
  chmod(path: string, mode: number): void {
    // Linux has no lchmod: open with O_NOFOLLOW and fchmod, so a symlink is never followed.
    let fd: number;
    try { fd = fs.openSync(path, C.O_RDONLY | NOFOLLOW); } catch (e) {
      const err = toFsError(e, "chmod", path);
      if (err.errno !== Errno.ACCES) throw err;
      // Unreadable object (non-root): fall back to chmod(2) after checking it is no symlink.
      if (this.lstat(path).kind === "symlink") throw new FsError(Errno.LOOP, "chmod", path);
      try { fs.chmodSync(path, mode); return; } catch (e2) { throw toFsError(e2, "chmod", path); }
    }
    try { fs.fchmodSync(fd, mode); } catch (e) { throw toFsError(e, "chmod", path); } finally { fs.closeSync(fd); }
  }
  lchown(path: string, uid: number, gid: number): void {
    try { fs.lchownSync(path, uid, gid); } catch (e) { throw toFsError(e, "lchown", path); }
  }
  lutimes(path: string, atimeNs: bigint, mtimeNs: bigint): void {
    try { fs.lutimesSync(path, libuvSeconds(atimeNs), libuvSeconds(mtimeNs)); } catch (e) { throw toFsError(e, "lutimes", path); }
  }
  copyFile(from: string, to: string): void {
    // No COPYFILE_FICLONE: entry-maker.ts asks cloneFile first, so a clone tried here again
    // would be a second failing ioctl on every copy where the filesystem cannot clone.
    try { fs.copyFileSync(from, to, C.COPYFILE_EXCL); } catch (e) { throw toFsError(e, "copyfile", to); }
  }
  cloneFile(from: string, to: string): void {
    // FICLONE_FORCE: the ioctl(FICLONE) or an error (ENOTSUP, EXDEV), never a copy; libuv
    // removes the `to` it created when the clone fails.
    try { fs.copyFileSync(from, to, C.COPYFILE_EXCL | C.COPYFILE_FICLONE_FORCE); } catch (e) { throw toFsError(e, "clonefile", to); }
  }
}

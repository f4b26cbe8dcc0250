/**
 * FaultFs: a HostFs wrapper that fails the Nth write-type call with a chosen
 * errno (ENOSPC, EIO, ...), for fault-injection tests of DirLayer. Platform-neutral.
 *
 * Write-type calls: open for writing or creating, pwrite, ftruncate, fsync,
 * futimes, close of a descriptor opened for writing, mkdir, rmdir, unlink,
 * rename, symlink, link, chmod, lchown, lutimes, copyFile. Reads
 * (lstat, fstat, readdir, readlink, realpath, pread, read-only open/close)
 * are never failed. A failing close still closes the descriptor (as the
 * kernel does); a failing copyFile may leave a partial copy behind (as a real
 * disk-full copy does).
 *
 * Calls on a layer's lock files (`*.layerfs-lock/`, beside the layer: see
 * layers/dir-lock.ts) are never failed or counted as write-type calls: the
 * faults target the layer's own data, and a sweep's indices stay those of
 * the operation under test.
 *
 * It also counts open descriptors (`openCount`, `openPaths`), so a test can
 * check that a layer or union gives back every descriptor it takes: e.g.
 * `checkLayer(layer, { openDescriptors: () => faulty.openCount })`.
 */
import { Errno, FsError } from "../core/errno.ts";
import type { HostDirent, HostFs, HostOpenOptions, HostStat } from "../layers/dir/host-fs.ts";

/** Paths inside (or of) a layer's lock directory. */
const LOCK_PATH = /\.layerfs-lock(\/|$)/;

/** Which write-type call fails, and how. */
export interface FaultPlan {
  /** 1-based index of the write-type call to fail (0 or undefined: never fail). */
  failAt?: number;
  /** errno to fail with (default ENOSPC). */
  errno?: number;
  /** Keep failing every write-type call after the first failure (a full disk), default false. */
  sticky?: boolean;
}

/**
 * A HostFs that forwards to `inner` and fails the write-type call `plan.failAt`.
 *
 * @example
 * const upper = new DirLayer(new FaultFs(nodeFs(), { failAt: 3, errno: Errno.NOSPC }), dir, { writable: true });
 */
export class FaultFs implements HostFs {
  readonly name: string;
  /** Write-type calls seen so far. */
  writeCalls = 0;
  /** Names of the write-type calls seen, in order (for test diagnostics). */
  readonly log: string[] = [];
  /** Whether a fault has been injected. */
  fired = false;
  private plan: FaultPlan = {};
  private readonly writableFds = new Set<number>();
  /** Descriptors of lock files (never failed). */
  private readonly lockFds = new Set<number>();
  /** Open descriptors -> the path each was opened with. */
  private readonly openFds = new Map<number, string>();

  readonly openNoFollow: boolean | undefined;
  readonly exactDirTimes: boolean | undefined;
  readonly umask: (() => number) | undefined;
  readonly cloneFile: ((from: string, to: string) => void) | undefined;
  readonly processes: HostFs["processes"];

  constructor(readonly inner: HostFs, plan: FaultPlan = {}) {
    this.name = `faulty(${inner.name})`;
    // The optional capabilities are the inner host's (so faults hit the same code paths).
    this.openNoFollow = inner.openNoFollow;
    this.exactDirTimes = inner.exactDirTimes;
    this.processes = inner.processes;
    this.umask = inner.umask === undefined ? undefined : () => inner.umask!();
    // A write-type call like copyFile; a failed clone leaves nothing behind (HostFs.cloneFile).
    this.cloneFile = inner.cloneFile === undefined ? undefined : (from, to) => { this.tick("cloneFile", to); inner.cloneFile!(from, to); };
    this.arm(plan);
  }

  /** Reset the counter and set a new plan. */
  arm(plan: FaultPlan): void {
    this.plan = plan;
    this.writeCalls = 0;
    this.log.length = 0;
    this.fired = false;
  }

  private tick(call: string, path?: string, fd?: number): void {
    if ((path !== undefined && LOCK_PATH.test(path)) || (fd !== undefined && this.lockFds.has(fd))) return;
    this.writeCalls++;
    this.log.push(call);
    const { failAt, sticky } = this.plan;
    if (!failAt) return;
    if (this.writeCalls === failAt || (sticky && this.writeCalls > failAt)) {
      this.fired = true;
      throw new FsError(this.plan.errno ?? Errno.NOSPC, call, path, "injected fault");
    }
  }

  lstat(path: string): HostStat { return this.inner.lstat(path); }
  fstat(fd: number): HostStat { return this.inner.fstat(fd); }
  readdir(path: string): HostDirent[] { return this.inner.readdir(path); }
  readlink(path: string): string { return this.inner.readlink(path); }
  realpath(path: string): string { return this.inner.realpath(path); }

  /** Descriptors opened through this wrapper and not closed yet. */
  get openCount(): number {
    return this.openFds.size;
  }

  /** Paths of the descriptors still open (what a leak report shows). */
  openPaths(): string[] {
    return [...this.openFds.values()];
  }

  open(path: string, options: HostOpenOptions = {}): number {
    const writing = !!(options.write || options.createNew);
    if (writing) this.tick("open", path);
    const fd = this.inner.open(path, options);
    if (writing) this.writableFds.add(fd);
    if (LOCK_PATH.test(path)) this.lockFds.add(fd);
    this.openFds.set(fd, path);
    return fd;
  }
  pread(fd: number, buf: Uint8Array, position: number): number { return this.inner.pread(fd, buf, position); }
  pwrite(fd: number, buf: Uint8Array, position: number): number {
    try { this.tick("pwrite", undefined, fd); } catch (e) {
      // A disk filling up mid-write stores a prefix first: leave a torn write behind.
      if (buf.length > 1) this.inner.pwrite(fd, buf.subarray(0, buf.length >> 1), position);
      throw e;
    }
    return this.inner.pwrite(fd, buf, position);
  }
  ftruncate(fd: number, size: number): void { this.tick("ftruncate"); this.inner.ftruncate(fd, size); }
  fsync(fd: number): void { this.tick("fsync"); this.inner.fsync(fd); }
  futimes(fd: number, atimeNs: bigint, mtimeNs: bigint): void {
    this.tick("futimes");
    this.inner.futimes(fd, atimeNs, mtimeNs);
  }
  close(fd: number): void {
    this.openFds.delete(fd);
    const lock = this.lockFds.delete(fd);
    if (this.writableFds.delete(fd) && !lock) {
      try { this.tick("close"); } catch (e) {
        this.inner.close(fd);
        throw e;
      }
    }
    this.inner.close(fd);
  }

  mkdir(path: string, mode: number): void { this.tick("mkdir", path); this.inner.mkdir(path, mode); }
  rmdir(path: string): void { this.tick("rmdir", path); this.inner.rmdir(path); }
  unlink(path: string): void { this.tick("unlink", path); this.inner.unlink(path); }
  rename(from: string, to: string): void { this.tick("rename", from); this.inner.rename(from, to); }
  symlink(target: string, path: string): void { this.tick("symlink", path); this.inner.symlink(target, path); }
  link(existing: string, newPath: string): void { this.tick("link", newPath); this.inner.link(existing, newPath); }
  chmod(path: string, mode: number): void { this.tick("chmod", path); this.inner.chmod(path, mode); }
  lchown(path: string, uid: number, gid: number): void { this.tick("lchown", path); this.inner.lchown(path, uid, gid); }
  lutimes(path: string, atimeNs: bigint, mtimeNs: bigint): void {
    this.tick("lutimes", path);
    this.inner.lutimes(path, atimeNs, mtimeNs);
  }
  copyFile(from: string, to: string): void {
    try { this.tick("copyFile", to); } catch (e) {
      this.partialCopy(from, to);
      throw e;
    }
    this.inner.copyFile(from, to);
  }

  /** What a copy interrupted by a full disk leaves: the first half of the data at `to`. */
  private partialCopy(from: string, to: string): void {
    const src = this.inner.open(from);
    try {
      const half = new Uint8Array(this.inner.fstat(src).size >> 1);
      const n = this.inner.pread(src, half, 0);
      const dst = this.inner.open(to, { createNew: true, mode: 0o600 });
      try { this.inner.pwrite(dst, half.subarray(0, n), 0); } finally { this.inner.close(dst); }
    } finally {
      this.inner.close(src);
    }
  }
}

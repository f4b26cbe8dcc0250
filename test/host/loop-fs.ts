// A small real filesystem for tests and the bench that need one tmpfs is not: XFS made with
// `mkfs.xfs -m reflink=1` (or reflink=0, a control without clones), else btrfs (always
// reflinks), in a sparse image file in /dev/shm (it holds only the blocks written),
// loop-mounted on a temp directory. Node and Deno (node:child_process, node:fs); never in a
// browser. Needs root, mkfs.xfs or mkfs.btrfs, loop devices and a mount that works: without
// one, loopFs returns the reason (for skipReason). close() unmounts, detaches the loop device
// and removes the image and the directory; every filesystem made here is also closed at
// process exit, and a failure half-way undoes what was done, so nothing is left behind.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";

/** How a command is run: spawnSync by default (the bench passes its helper shell). */
export type RunCommand = (argv: readonly string[]) => { status: number; stdout: string; stderr: string };

export interface LoopFs {
  /** The mount point: create files under it. */
  readonly dir: string;
  readonly type: "xfs" | "btrfs";
  /** Whether the filesystem can share extents (FICLONE, copy_file_range clones). */
  readonly reflink: boolean;
  /** Free bytes (statfs f_bfree × f_bsize, through `stat -f`). */
  freeBytes(): number;
  /** Unmount, detach the loop device, remove the image (idempotent). */
  close(): void;
}

export const spawnCommand: RunCommand = (argv) => {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.error) return { status: -1, stdout: "", stderr: String(r.error.message) };
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};

/** Every open filesystem, with how to undo it at process exit. */
const live = new Map<LoopFs, () => void>();
let exitHook = false;

const has = (run: RunCommand, tool: string, flag = "-V"): boolean => run([tool, flag]).status === 0;
/** `what failed: <the first line of stderr>` (mkfs prints its whole usage after the reason). */
const failure = (what: string, r: { status: number; stderr: string }): string => `${what} failed: ${r.stderr.trim().split("\n")[0] || `exit ${r.status}`}`;

/**
 * A fresh, empty loop-mounted filesystem of `sizeMiB` (XFS needs at least 300),
 * reflink-capable unless `reflink: false` (XFS only), or why one cannot be made here.
 * `discard`: mounted -o discard, so freed blocks are punched out of the image
 * (a bench making many full copies would otherwise fill /dev/shm's memory).
 */
export function loopFs(options: { reflink?: boolean; sizeMiB?: number; discard?: boolean; run?: RunCommand } = {}): LoopFs | string {
  const run = options.run ?? spawnCommand;
  const reflink = options.reflink ?? true;
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "not root (loop mounts need root)";
  if (!existsSync("/dev/loop-control")) return "no loop devices (/dev/loop-control)";
  const type = has(run, "mkfs.xfs") ? "xfs" : reflink && has(run, "mkfs.btrfs", "--version") ? "btrfs" : undefined;
  if (type === undefined) return reflink ? "neither mkfs.xfs (xfsprogs) nor mkfs.btrfs (btrfs-progs) is installed" : "mkfs.xfs (xfsprogs) is not installed";
  const base = mkdtempSync(`${existsSync("/dev/shm") ? "/dev/shm" : tmpdir()}/layerfs-loopfs-`);
  const image = `${base}/fs.img`;
  const dir = `${base}/mnt`;
  let device: string | undefined;
  let mounted = false;
  const undo = (run: RunCommand): void => {
    if (mounted && run(["umount", dir]).status !== 0) run(["umount", "-l", dir]); // lazy: a process may still hold a file there
    mounted = false;
    // On a still-busy device (after a lazy umount) the kernel detaches it when the last user goes.
    if (device !== undefined) run(["losetup", "-d", device]);
    device = undefined;
    rmSync(base, { recursive: true, force: true });
  };
  try {
    mkdirSync(dir);
    const fd = openSync(image, "w");
    try { ftruncateSync(fd, (options.sizeMiB ?? 512) * 1024 * 1024); } finally { closeSync(fd); }
    const mkfs = run(type === "xfs" ? ["mkfs.xfs", "-q", "-f", "-m", `reflink=${reflink ? 1 : 0}`, image] : ["mkfs.btrfs", "-q", "-f", image]);
    if (mkfs.status !== 0) { undo(run); return failure(`mkfs.${type}`, mkfs); }
    const lo = run(["losetup", "--find", "--show", image]);
    if (lo.status !== 0) { undo(run); return failure("losetup", lo); }
    device = lo.stdout.trim();
    const mount = run(["mount", "-t", type, ...(options.discard === true ? ["-o", "discard"] : []), device, dir]);
    if (mount.status !== 0) { undo(run); return failure(`mount -t ${type}`, mount); }
    mounted = true;
  } catch (e) {
    undo(run);
    return `could not make a ${type} image: ${(e as Error).message}`;
  }
  const fs: LoopFs = {
    dir,
    type,
    reflink,
    freeBytes: () => {
      const r = run(["stat", "-f", "-c", "%f %S", dir]);
      const [blocks, size] = r.stdout.trim().split(" ").map(Number);
      if (r.status !== 0 || !Number.isFinite(blocks) || !Number.isFinite(size)) throw new Error(failure("stat -f", r));
      return blocks! * size!;
    },
    close: () => {
      live.delete(fs);
      undo(run);
    },
  };
  // At exit with spawnSync: the caller's runner (the bench's helper shell) may be gone by then.
  live.set(fs, () => undo(spawnCommand));
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => { for (const close of live.values()) close(); });
  }
  return fs;
}

/**
 * Bytes of `path` in extents it shares with another file (FIEMAP's SHARED flag,
 * read with `filefrag -v`): a reflinked copy shares all of its extents until
 * written, a plain copy none. Throws where the filesystem has no FIEMAP (tmpfs).
 */
export function sharedBytes(path: string, run: RunCommand = spawnCommand): number {
  const r = run(["filefrag", "-b4096", "-v", path]);
  if (r.status !== 0) throw new Error(failure(`filefrag -v ${path}`, r));
  // "   0:        0..   16383:         24..     16407:  16384:             last,shared,eof"
  let shared = 0;
  for (const line of r.stdout.split("\n")) {
    const m = /^\s*\d+:\s+\d+\.\.\s*\d+:\s+\d+\.\.\s*\d+:\s+(\d+):.*?(\S*)$/.exec(line);
    if (m && m[2]!.split(",").includes("shared")) shared += Number(m[1]) * 4096;
  }
  return shared;
}

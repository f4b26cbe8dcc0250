/**
 * The kernel's copy-up cost, as the oracle mounts it: a private mount namespace
 * (`unshare -m`), tmpfs directories, `mount -t overlay` with index=off,
 * metacopy=off. A small python3 program times open(O_WRONLY)+pwrite(4 KiB in
 * the middle)+close on the merged file (the open copies the whole file up), then
 * the same write again (no copy-up): the difference is the copy-up.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { median } from "./stats.ts";

export type KernelResult =
  | { ok: true; copyUpMs: number; firstMs: number; secondMs: number; rounds: number }
  | { ok: false; reason: string };

const TIMER = `
import os, sys, time
p = sys.argv[1]; size = int(sys.argv[2]); buf = b"Z" * 4096
def write():
    t = time.perf_counter_ns()
    fd = os.open(p, os.O_WRONLY)
    os.pwrite(fd, buf, size // 2)
    os.close(fd)
    return (time.perf_counter_ns() - t) / 1e6
a = write(); b = write()
print(f"{a} {b}")
`;

export function kernelCopyUp(mib: number, scratch: string, rounds = 5): KernelResult {
  if (typeof process.getuid === "function" && process.getuid() !== 0) return { ok: false, reason: "not root" };
  mkdirSync(scratch, { recursive: true });
  const script = `
set -e
T=$(mktemp -d "${scratch}/kernel.XXXXXX")
mount -t tmpfs tmpfs "$T"
mkdir "$T/lower" "$T/upper" "$T/work" "$T/merged"
dd if=/dev/zero of="$T/lower/big.bin" bs=1M count=${mib} status=none
sync
for i in $(seq ${rounds}); do
  mount -t overlay overlay -o "lowerdir=$T/lower,upperdir=$T/upper,workdir=$T/work,index=off,metacopy=off" "$T/merged"
  python3 -c '${TIMER.replaceAll("'", "'\\''")}' "$T/merged/big.bin" ${mib * 1024 * 1024}
  umount "$T/merged"
  rm -rf "$T/upper" "$T/work"; mkdir "$T/upper" "$T/work"
done
umount "$T"; rmdir "$T"
`;
  const r = spawnSync("unshare", ["-m", "bash", "-c", script], { encoding: "utf8", timeout: 120_000 });
  if (r.error !== undefined) return { ok: false, reason: r.error.message };
  if (r.status !== 0) return { ok: false, reason: (r.stderr || `exit ${r.status}`).trim().split("\n").slice(-1)[0]! };
  const pairs = r.stdout.trim().split("\n").map((l) => l.split(" ").map(Number) as [number, number]);
  if (pairs.length !== rounds || pairs.some((p) => p.length !== 2 || p.some((x) => !Number.isFinite(x)))) {
    return { ok: false, reason: `unexpected output: ${r.stdout.slice(0, 200)}` };
  }
  const first = median(pairs.map((p) => p[0]));
  const second = median(pairs.map((p) => p[1]));
  return { ok: true, copyUpMs: median(pairs.map((p) => p[0] - p[1])), firstMs: first, secondMs: second, rounds };
}

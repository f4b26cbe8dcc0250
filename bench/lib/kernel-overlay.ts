/**
 * Kernel overlayfs mounts for the node:wasi-on-overlayfs peer (needs root and
 * overlay support): `mount -t overlay` of host lower directories (bottom
 * first) with a fresh upper and work directory, index=off, metacopy=off (as
 * the oracle mounts it), unmounted by the returned function. Every mount made
 * here is also unmounted at process exit, so a failing bench leaves none.
 *
 * mount and umount run in one helper shell forked once: a spawn from this
 * process forks it, and its next writes to every page it holds then take a
 * copy-on-write fault each (a layerfs run right after a kernel run paid them:
 * +0.2 ms on a 4 KiB pwrite, +200 ms on a 64 MiB write into pooled chunks).
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { removeTree } from "./trees.ts";

export type KernelMount = { merged: string; unmount: () => void };

const live = new Set<string>();
process.on("exit", () => {
  for (const m of live) spawnSync("umount", ["-l", m]);
});

let counter = 0;

/** The helper shell: one command per line in, its exit status per line out (FIFOs, so calls stay synchronous). */
let helper: { cmd: number; res: number; err: string } | undefined;

/** Run `argv` in the helper shell; its exit status and stderr. */
function run(argv: readonly string[]): { status: number; stderr: string } {
  if (helper === undefined) {
    const dir = mkdtempSync(`${tmpdir()}/layerfs-mount-`);
    const mk = spawnSync("mkfifo", [`${dir}/cmd`, `${dir}/res`]);
    if (mk.status !== 0) throw new Error(`mkfifo failed: ${String(mk.stderr).trim()}`);
    const err = `${dir}/err`;
    const loop = `exec 3<"${dir}/cmd" 4>"${dir}/res"; while IFS= read -r line <&3; do eval "$line" >/dev/null 2>"${err}"; echo $? >&4; done`;
    spawn("sh", ["-c", loop], { stdio: "ignore", detached: false }).unref();
    const cmd = openSync(`${dir}/cmd`, "w");
    const res = openSync(`${dir}/res`, "r");
    helper = { cmd, res, err };
    process.on("exit", () => { closeSync(cmd); closeSync(res); removeTree(dir); });
  }
  writeSync(helper.cmd, argv.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ") + "\n");
  let line = "";
  const b = Buffer.alloc(64);
  while (!line.endsWith("\n")) {
    const n = readSync(helper.res, b, 0, b.length, null);
    if (n === 0) throw new Error("the mount helper shell exited");
    line += b.toString("utf8", 0, n);
  }
  return { status: Number(line.trim()), stderr: readFileSync(helper.err, "utf8") };
}

/** Why kernel overlay mounts cannot be made here, or undefined when they can (probed once). */
export function kernelOverlayUnavailable(scratch: string): string | undefined {
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "not root";
  mkdirSync(`${scratch}/probe-lower`, { recursive: true });
  try {
    const m = mountOverlay([`${scratch}/probe-lower`], `${scratch}/probe`);
    m.unmount();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    removeTree(`${scratch}/probe-lower`);
  }
}

/** Mount `lowers` (bottom first) under `at` with a fresh, empty upper. */
export function mountOverlay(lowers: readonly string[], at: string): KernelMount {
  const dir = `${at}.${++counter}`;
  removeTree(dir);
  for (const d of ["upper", "work", "merged"]) mkdirSync(`${dir}/${d}`, { recursive: true });
  const merged = `${dir}/merged`;
  const opts = `lowerdir=${[...lowers].reverse().join(":")},upperdir=${dir}/upper,workdir=${dir}/work,index=off,metacopy=off`;
  const r = run(["mount", "-t", "overlay", "overlay", "-o", opts, merged]);
  if (r.status !== 0) {
    removeTree(dir);
    throw new Error(`mount -t overlay failed: ${(r.stderr || `exit ${r.status}`).trim()}`);
  }
  live.add(merged);
  return {
    merged,
    unmount: () => {
      run(["umount", "-l", merged]); // lazy: node:wasi keeps its preopen open after start() returns
      live.delete(merged);
      removeTree(dir);
    },
  };
}

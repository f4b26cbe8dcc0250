/**
 * Kernel overlayfs mounts for the node:wasi-on-overlayfs peer (needs root and
 * overlay support): `mount -t overlay` of host lower directories (bottom
 * first) with a fresh upper and work directory, index=off, metacopy=off (as
 * the oracle mounts it), unmounted by the returned function. Every mount made
 * here is also unmounted at process exit, so a failing bench leaves none.
 *
 * mount and umount run in the helper shell (helper-shell.ts: a spawn from
 * the bench process would tax the layerfs runs after it).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { inHelperShell as run } from "./helper-shell.ts";
import { removeTree } from "./trees.ts";

export type KernelMount = { merged: string; unmount: () => void };

const live = new Set<string>();
process.on("exit", () => {
  for (const m of live) spawnSync("umount", ["-l", m]);
});

let counter = 0;

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

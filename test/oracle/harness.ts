// Node-only harness of the kernel differential tests: runs one scenario on real kernel
// overlayfs (through the repository's own oracle, overlay-oracle.py beside this file) and
// on a layerfs Union, and renders both in the oracle's canonical listing format.
//
// Compared columns (see test/support/oracle-format.ts for the format):
//   path, type, mode, uid:gid, size (files: bytes, symlinks: target length; directories
//   "-" on both sides: host directory sizes mean nothing), sha256, symlink target, and
//   the hard-link group (the smallest path of a group of names sharing the kernel's
//   st_ino / the union's ino; in the upper: the upper inode / the layer's entry id).
//   mtime is compared in a separate check and normalised: every lower entry gets the
//   fixed time LOWER_TIME_S (MemoryLayer.from timeNs; written to disk with lutimes), so
//   times carried by copy-up compare exactly, and any time at or after the run started
//   reads "now" (kernel and layerfs set "now" at different instants).
//   atime, ctime, nlink, directory sizes and inode numbers themselves are not compared.
// Also compared: each step's outcome ("ok" or the errno, from the command's message or
// the syscalls runner), and the oracle's own check (its upper-oci reproduces its merged).
// Normalisations, each explained where it is done: no-op lower whiteouts are not given
// to the kernel (writeLowers), a root-level opaque marker is emulated for the kernel
// (kernelBottom: the kernel ignores it, OCI hides every layer below it), and in
// redirect_dir=on scenarios opaque markers that hide nothing are dropped on both sides
// (dropNoOpOpaques).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, symlinkSync, linkSync, lchownSync, chmodSync, lutimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Layer } from "../../src/core/layer.ts";
import { OPAQUE_MARKER, WHITEOUT_META_PREFIX, WHITEOUT_PREFIX } from "../../src/core/layer.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { dirLayer } from "../../src/host/node.ts";
import type { MemorySpec } from "../../src/layers/memory.ts";
import { escapeName, readLayerFile, renderLayer, renderUnion } from "../support/oracle-format.ts";
import { errnoFromMessage, runUnionSteps, shellScript, syscallScript, withOutput } from "./dsl.ts";
import type { Scenario, Step, StepResult } from "./dsl.ts";

/** mtime (seconds) of every lower entry: 2001-09-09, far from "now". */
export const LOWER_TIME_S = 1_000_000_000;
const LOWER_TIME_NS = BigInt(LOWER_TIME_S) * 1_000_000_000n;

const here = dirname(fileURLToPath(import.meta.url));
/**
 * The oracle: overlay-oracle.py beside this file (/usr/bin/python3, stdlib only). LAYERFS_ORACLE
 * may name another executable with the same command line and output, to compare oracles.
 */
export const ORACLE = process.env.LAYERFS_ORACLE ?? resolve(here, "overlay-oracle.py");

/** What the kernel made of a scenario. */
export interface KernelResult {
  /** Exit status of the oracle (0 ok, 3 upper not representable in OCI, 2 error). */
  status: number;
  /** Per step: "ok" or the errno code derived from the command's message. */
  steps: StepResult[];
  /** Raw message of each failing step ("" when it succeeded). */
  messages: string[];
  merged: string[];
  upper: string[];
  check: string[];
  warnings: string[];
  stdout: string;
  stderr: string;
}

export interface UnionResult {
  steps: StepResult[];
  merged: string[];
  upper: string[];
  union: Union;
}

export interface Exec {
  status: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<Exec> {
  return new Promise((res) => {
    // A stuck mount or command must not hang the suite: SIGKILL after the timeout.
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs, killSignal: "SIGKILL" });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on("data", (b: Buffer) => out.push(b));
    p.stderr.on("data", (b: Buffer) => err.push(b));
    p.on("error", (e) => res({ status: 127, stdout: "", stderr: String(e) }));
    p.on("close", (code) =>
      res({ status: code ?? 128, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
  });
}

/** Run the oracle with `args`: one spawn, killed (SIGKILL) if it is still running after `timeoutMs`. */
export function runOracle(args: readonly string[], timeoutMs = 120_000): Promise<Exec> {
  return run(ORACLE, [...args], timeoutMs);
}

/** The same, synchronously (for tests that run one oracle command at a time). */
export function runOracleSync(args: readonly string[], timeoutMs = 120_000): Exec {
  const r = spawnSync(ORACLE, args, { encoding: "utf8", timeout: timeoutMs, killSignal: "SIGKILL" });
  return { status: r.status ?? 128, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

/**
 * Why the kernel oracle cannot run here, or undefined when it can. Probes a real
 * mount (one empty lower, command `true`).
 */
export async function oracleUnavailable(): Promise<string | undefined> {
  if (typeof (globalThis as { Deno?: unknown }).Deno !== "undefined") return "the kernel oracle runs only under Node";
  if (process.platform !== "linux") return `overlayfs needs Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return "the kernel oracle needs root (unshare -m + mount -t overlay)";
  if (!existsSync(ORACLE)) return `the kernel oracle ${ORACLE} is missing`;
  // The oracle and the scenarios' syscalls runner (dsl.ts) are python3 programs.
  if (!existsSync("/usr/bin/python3")) return "the kernel oracle needs /usr/bin/python3";
  const dir = mkdtempSync(join(tmpdir(), "layerfs-oracle-probe-"));
  try {
    mkdirSync(join(dir, "lower"));
    const r = await runOracle(["--no-cmd-output", join(dir, "lower"), join(dir, "upper"), "true"], 30_000);
    if (r.status !== 0) return `overlay mount not possible here: ${(r.stderr || r.stdout).trim().split("\n")[0]}`;
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The lower layers of a scenario as MemoryLayers (bottom first), every time fixed. */
export function buildLowers(scn: Scenario): MemoryLayer[] {
  return scn.lowers.map((spec) => MemoryLayer.from(spec as MemorySpec, { timeNs: LOWER_TIME_NS, freeze: true }));
}

/**
 * Write `layer` verbatim (aufs/OCI form: `.wh.` names are plain empty files) as a
 * directory tree at `dir`: modes, owners, symlinks, hard links (entries sharing an
 * id), and mtimes (set last, deepest first, since creating children changes them).
 * Layer-relative paths in `skip` are left out (see writeLowers).
 */
export function writeLayerDir(layer: Layer, dir: string, skip: ReadonlySet<string> = new Set()): void {
  mkdirSync(dir, { recursive: true });
  const byId = new Map<number, string>();
  const times: [string, bigint, bigint][] = [];
  const walk = (rel: string): void => {
    for (const name of layer.readdir(rel)) {
      const path = rel === "" ? name : rel + "/" + name;
      if (skip.has(path)) continue;
      const st = layer.stat(path)!;
      const out = join(dir, path);
      if (st.type !== "dir" && byId.has(st.id)) {
        linkSync(byId.get(st.id)!, out);
        continue;
      }
      if (st.type === "dir") mkdirSync(out);
      else if (st.type === "symlink") symlinkSync(layer.readlink(path), out);
      else writeFileSync(out, readLayerFile(layer, path));
      if (st.type !== "dir") byId.set(st.id, out);
      lchownSync(out, st.uid, st.gid);
      if (st.type !== "symlink") chmodSync(out, st.mode);
      times.push([out, st.atimeNs, st.mtimeNs]);
      if (st.type === "dir") walk(path);
    }
  };
  walk("");
  const root = layer.stat("");
  if (root) times.push([dir, root.atimeNs, root.mtimeNs]);
  for (const [p, a, m] of times.reverse()) lutimesSync(p, Number(a) / 1e9, Number(m) / 1e9);
}

/** Whether `layer` has an opaque marker at its root (in OCI form: it hides every layer below). */
export function hasRootOpaque(layer: Layer): boolean {
  return layer.readdir("").includes(OPAQUE_MARKER);
}

/**
 * The one place kernel overlayfs and OCI disagree: the kernel ignores the opaque xattr
 * on a layer root, where a root-level `.wh..wh..opq` hides every layer below (SEMANTICS).
 * So the kernel is given the layers from the topmost one with such a marker up, that
 * marker left out, while layerfs gets the whole stack: both must show the same.
 * Returns the index (bottom first) of the lowest layer the kernel mounts.
 */
export function kernelBottom(lowers: readonly Layer[]): number {
  for (let i = lowers.length - 1; i >= 0; i--) if (hasRootOpaque(lowers[i]!)) return i;
  return 0;
}

/**
 * Write the lowers (bottom first) the kernel mounts as directories under `base`
 * (see kernelBottom); returns their paths TOP FIRST, the order the oracle takes.
 * Whiteouts that hide nothing (see noOpWhiteouts) are left out too: in a lower directory
 * that merges with nothing the kernel lists them in readdir but cannot look them up,
 * which breaks the oracle's listing. Leaving them out changes no merged view.
 */
export function writeLowers(lowers: readonly Layer[], base: string): string[] {
  const skips = noOpWhiteouts(lowers);
  const bottom = kernelBottom(lowers);
  const paths: string[] = [];
  for (let i = bottom; i < lowers.length; i++) {
    const p = join(base, `L${i}`);
    const rootMarker = i === bottom && hasRootOpaque(lowers[i]!);
    writeLayerDir(lowers[i]!, p, rootMarker ? new Set([...skips[i]!, OPAQUE_MARKER]) : skips[i]);
    paths.push(p);
  }
  return paths.reverse();
}

/**
 * Per layer, the `.wh.NAME` files that hide nothing: no layer below shows NAME there
 * (after this layer's opaque markers are applied). A small OCI model of its own, the
 * same rules as the oracle's check model, independent of the union under test.
 */
export function noOpWhiteouts(lowers: readonly Layer[]): Set<string>[] {
  return ociModel(lowers).noop;
}

/** Directories of the merged view of the lowers alone (OCI rules). */
export function lowerDirectories(lowers: readonly Layer[]): Set<string> {
  const dirs = new Set<string>();
  for (const [p, t] of ociModel(lowers).state) if (t === "dir") dirs.add(p);
  return dirs;
}

/**
 * For redirect_dir=on scenarios: drop `opq` rows of directories that no lower shows as
 * a directory. Such markers hide nothing, and with redirect_dir=on the kernel puts one
 * on every directory mkdir creates in a merged parent (an optimisation of that mode),
 * where layerfs follows rule 7 and makes a plain directory.
 */
export function dropNoOpOpaques(lines: readonly string[], lowerDirs: ReadonlySet<string>): string[] {
  const escaped = new Set([...lowerDirs].map(escapeName));
  return lines.filter((l) => {
    const [path, type] = l.split("\t");
    if (type !== "opq") return true;
    const dir = path!.slice(0, Math.max(0, path!.length - OPAQUE_MARKER.length - 1));
    return escaped.has(dir);
  });
}

function ociModel(lowers: readonly Layer[]): { noop: Set<string>[]; state: Map<string, string> } {
  const state = new Map<string, string>(); // visible path -> "dir" | other type
  const removeTree = (p: string, keepSelf = false): void => {
    for (const k of [...state.keys()]) {
      if ((k === p && !keepSelf) || k.startsWith(p === "" ? "" : p + "/")) state.delete(k);
    }
  };
  const noop = lowers.map((layer) => {
    const entries: [string, string][] = [];
    const whiteouts: [string, string][] = []; // [file path, hidden path]
    const opaques: string[] = [];
    const walk = (rel: string): void => {
      for (const name of layer.readdir(rel)) {
        const path = rel === "" ? name : rel + "/" + name;
        if (name === OPAQUE_MARKER) opaques.push(rel);
        else if (name.startsWith(WHITEOUT_META_PREFIX)) continue;
        else if (name.startsWith(WHITEOUT_PREFIX)) {
          whiteouts.push([path, (rel === "" ? "" : rel + "/") + name.slice(WHITEOUT_PREFIX.length)]);
        } else {
          const t = layer.stat(path)!.type;
          entries.push([path, t]);
          if (t === "dir") walk(path);
        }
      }
    };
    walk("");
    const noop = new Set<string>();
    for (const d of opaques) removeTree(d, true);
    for (const [file, hidden] of whiteouts.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))) {
      if (state.has(hidden)) removeTree(hidden);
      else noop.add(file);
    }
    for (const [p, t] of entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      if (!(t === "dir" && state.get(p) === "dir")) removeTree(p);
      state.set(p, t);
    }
    return noop;
  });
  return { noop, state };
}

/** Split the oracle's stdout into its sections. */
export function parseOracleOutput(stdout: string, stepList: readonly Step[] = []): Omit<KernelResult, "status" | "stdout" | "stderr"> {
  const sections: Record<string, string[]> = { head: [], merged: [], "upper-oci": [], check: [], warnings: [] };
  let cur = "head";
  const steps: StepResult[] = [];
  const messages: string[] = [];
  for (const line of stdout.split("\n")) {
    const m = /^## (merged|upper-oci|check|warnings)$/.exec(line);
    if (m) {
      cur = m[1]!;
      continue;
    }
    if (cur === "head" && line.startsWith("| @@STEP\t")) {
      const [, idx, rc, msg = ""] = line.slice(2).split("\t");
      const i = Number(idx);
      const ok = stepList[i] && withOutput(stepList[i]) ? "ok:" + msg : "ok";
      steps[i] = rc === "0" ? ok : (errnoFromMessage(msg) ?? `unrecognised failure (${rc}): ${msg}`);
      messages[i] = rc === "0" ? "" : msg;
      continue;
    }
    if (line === "" ) continue;
    sections[cur]!.push(line);
  }
  return {
    steps, messages, merged: sections.merged!, upper: sections["upper-oci"]!,
    check: sections.check!, warnings: sections.warnings!,
  };
}

/** Run a scenario on kernel overlayfs. */
export async function runKernel(scn: Scenario, lowers: readonly Layer[]): Promise<KernelResult> {
  const base = mkdtempSync(join(tmpdir(), "layerfs-oracle-"));
  try {
    const lowerDirs = writeLowers(lowers, join(base, "lowers"));
    // The command's own limit (the oracle kills its process group) is below the spawn's.
    const args = ["--mtime", "--timeout", "100"];
    if (scn.redirectDir) args.push("-o", "redirect_dir=on");
    const cmd = scn.runner === "syscalls" ? syscallScript(scn.steps) : shellScript(scn.steps);
    args.push(lowerDirs.join(":"), join(base, "upper"), cmd);
    const r = await runOracle(args);
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, ...parseOracleOutput(r.stdout, scn.steps) };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

/** Run a scenario on a layerfs Union: Image(lowers) + a fresh MemoryLayer upper. */
export async function runUnion(scn: Scenario, lowers: readonly Layer[]): Promise<UnionResult> {
  const upper = new MemoryLayer();
  const union = new Union(new Image(lowers), upper, scn.unionOptions);
  const steps = runUnionSteps(union, scn.steps);
  return {
    steps,
    merged: await renderUnion(union, { mtime: true }),
    upper: await renderLayer(upper, { mtime: true }),
    union,
  };
}

/**
 * Run a scenario on a Union of host-directory layers: every lower written to disk in
 * aufs form (verbatim: whiteouts, opaque markers) and read back as a read-only
 * DirLayer, and a writable DirLayer upper in a temp directory. The upper is rendered
 * from the DirLayer, i.e. from what landed on disk.
 */
export async function runUnionOnHost(scn: Scenario, lowers: readonly Layer[]): Promise<Omit<UnionResult, "union">> {
  const base = mkdtempSync(join(tmpdir(), "layerfs-oracle-host-"));
  try {
    const dirLowers = lowers.map((layer, i) => {
      const p = join(base, `L${i}`);
      writeLayerDir(layer, p);
      return dirLayer(p);
    });
    mkdirSync(join(base, "upper"));
    const upper = dirLayer(join(base, "upper"), { writable: true, workDir: join(base, "work"), durable: false });
    const union = new Union(new Image(dirLowers), upper, scn.unionOptions);
    const steps = runUnionSteps(union, scn.steps);
    return {
      steps,
      merged: await renderUnion(union, { mtime: true }),
      upper: await renderLayer(upper, { mtime: true }),
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

/**
 * Normalise the mtime column (the last one) of listing lines: times at or after
 * `sinceS` become "now"; `withMtime` false drops the column.
 */
export function normalize(lines: readonly string[], sinceS: number, withMtime: boolean): string[] {
  return lines.map((l) => {
    const cols = l.split("\t");
    const t = cols.pop()!;
    if (!withMtime) return cols.join("\t");
    const n = Number(t);
    cols.push(t !== "-" && Number.isFinite(n) && n >= sinceS ? "now" : t);
    return cols.join("\t");
  });
}

/** Run `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

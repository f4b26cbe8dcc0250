// Shared set-up for test/host: picks the HostFs of the runtime under test (Deno's own
// APIs under Deno, node:fs under Node) and builds/compares host trees. node:fs is used
// here for set-up and inspection only, never as the layer under test in Deno.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { HostFs } from "../../src/layers/dir/host-fs.ts";
import { denoFs } from "../../src/host/deno.ts";
import { NodeFs } from "../../src/host/node-fs.ts";

export const IN_DENO = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** The HostFs under test: DenoFs in Deno, NodeFs in Node. */
export function hostFs(): HostFs {
  return IN_DENO ? denoFs() : new NodeFs();
}

/**
 * `host` with every directory's size reported as `size`: a read-only DirLayer
 * lists a directory at its first lookup when its size is small, else probes it
 * (layers/dir/lower-index.ts SMALL_DIR_BYTES), so tests pin the strategy they
 * mean to test whatever filesystem the temp directory is on (tmpfs: 20 bytes a name).
 */
export function withDirSize(host: HostFs, size: number): HostFs {
  const sized = <T extends { kind: string; size: number } | undefined>(st: T): T => (st !== undefined && st.kind === "dir" ? { ...st, size } : st);
  return new Proxy(host, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof v === "function" && (key === "lstat" || key === "lstatIfExists" || key === "fstat")) {
        return (...args: unknown[]) => sized((v as (...a: unknown[]) => { kind: string; size: number } | undefined).apply(target, args));
      }
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** `host` as on a filesystem whose directories are a block at least (ext4): lower directories are probed. */
export function probingHost(host: HostFs = hostFs()): HostFs {
  return withDirSize(host, 4096);
}

/** `host` as if every directory were small: lower directories are listed at their first lookup. */
export function listingHost(host: HostFs = hostFs()): HostFs {
  return withDirSize(host, 0);
}

/** tmpfs when the machine has one: the fault sweeps build hundreds of small trees. */
const FAST_TMP = (() => {
  try {
    const probe = fs.mkdtempSync("/dev/shm/layerfs-probe-");
    fs.rmSync(probe, { recursive: true });
    return "/dev/shm";
  } catch {
    return os.tmpdir();
  }
})();

/** A fresh temporary directory (removed by `cleanup`); `fast` puts it on tmpfs where there is one. */
export function tempDir(prefix = "layerfs-host-", fast = false): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(fast ? FAST_TMP : os.tmpdir(), prefix)));
}

export function cleanup(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Spec for `makeTree`: "dir/" => directory, string/Uint8Array => file, { symlink } => link. */
export type TreeSpec = Record<string, string | Uint8Array | { symlink: string } | { mode: number; data: string }>;

export function makeTree(root: string, spec: TreeSpec): void {
  fs.mkdirSync(root, { recursive: true });
  for (const [rel, v] of Object.entries(spec)) {
    const p = path.join(root, rel);
    if (rel.endsWith("/")) { fs.mkdirSync(p, { recursive: true }); continue; }
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (typeof v === "string" || v instanceof Uint8Array) fs.writeFileSync(p, v);
    else if ("symlink" in v) fs.symlinkSync(v.symlink, p);
    else { fs.writeFileSync(p, v.data); fs.chmodSync(p, v.mode); }
  }
}

/**
 * Everything observable about a host tree, one line per entry, never following
 * symlinks: type, mode, size, mtime, ctime, content or link target, inode.
 * Equal snapshots mean "byte-for-byte unchanged, not even touched".
 */
export function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const p = rel === "" ? root : path.join(root, rel);
    const st = fs.lstatSync(p, { bigint: true });
    let what: string;
    if (st.isDirectory()) what = "dir";
    else if (st.isSymbolicLink()) what = "link->" + fs.readlinkSync(p);
    else if (st.isFile()) what = "file:" + Buffer.from(fs.readFileSync(p)).toString("base64");
    else what = "special:" + st.rdev;
    out.push(`${rel || "."} ${what} mode=${(st.mode & 0o7777n).toString(8)} size=${st.size} ` +
      `mtime=${st.mtimeNs} ctime=${st.ctimeNs} ino=${st.ino} nlink=${st.nlink}`);
    if (st.isDirectory()) for (const name of fs.readdirSync(p).sort()) walk(rel === "" ? name : rel + "/" + name);
  };
  walk("");
  return out;
}

/** Names (relative, sorted) of every entry under root. */
export function listTree(root: string): string[] {
  return snapshot(root).map((l) => l.slice(0, l.indexOf(" ")));
}

export const fsForSetup = fs;
export const pathForSetup = path;

/** `host` with every call counted by method name. */
export function counted(host: HostFs): { host: HostFs; calls: Map<string, number>; take: () => Record<string, number> } {
  const calls = new Map<string, number>();
  const proxy = new Proxy(host, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        calls.set(String(key), (calls.get(String(key)) ?? 0) + 1);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  /** The calls since the last take (lstatIfExists counted as lstat: the same host call). */
  const take = () => {
    const r = Object.fromEntries(calls);
    if (r.lstatIfExists !== undefined) {
      r.lstat = (r.lstat ?? 0) + r.lstatIfExists;
      delete r.lstatIfExists;
    }
    calls.clear();
    return r;
  };
  return { host: proxy, calls, take };
}

/** `inner` with its method calls counted, by method name and in all. */
export function countingHost(inner: HostFs): { host: HostFs; calls: Map<string, number>; total(): number } {
  const calls = new Map<string, number>();
  const host = new Proxy(inner, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => { calls.set(String(key), (calls.get(String(key)) ?? 0) + 1); return v.apply(target, args); };
    },
  });
  return { host, calls, total: () => [...calls.values()].reduce((a, b) => a + b, 0) };
}

/**
 * `layers` layer directories under `root` (bottom first), each with d/ of `names` unrelated
 * names, d/target ("bottom") in the bottom one only: the stack of the 4/stat bench rows.
 */
export function statStack(root: string, layers: number, names: number): string[] {
  const dirs: string[] = [];
  for (let l = 0; l < layers; l++) {
    const spec: Record<string, string> = {};
    for (let j = 0; j < names; j++) spec[`d/u${l}_${j}`] = "x";
    if (l === 0) spec["d/target"] = "bottom";
    makeTree(`${root}/l${l}`, spec);
    dirs.push(`${root}/l${l}`);
  }
  return dirs;
}

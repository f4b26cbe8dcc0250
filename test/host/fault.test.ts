// Fault injection (issue 4 item 8): the host filesystem fails (ENOSPC, EIO) at the Nth
// write-type call, for every N, during copy-up, rename, whiteout creation and the other
// mutations of a writable DirLayer, directly and through a Union. After each failure:
// the lower directory is byte-for-byte unchanged, the upper (or the merged view) is
// exactly the old state or exactly the new one (no torn file, no temporary names), the
// error is an FsError with the injected errno, and retrying without faults succeeds.
// Runs in Node (node:fs HostFs) and in Deno (Deno HostFs).
import { afterAll, describe, expect, it } from "vitest";
import { Errno, isFsError } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import type { LayerFile } from "../../src/core/layer.ts";
import { Union } from "../../src/core/union.ts";
import { FaultFs } from "../../src/host/fault-fs.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { skipReason } from "../support/index.ts";
import { cleanup, fsForSetup as fs, hostFs, IN_DENO, makeTree, snapshot, tempDir } from "./helpers.ts";

const bases: string[] = [];
afterAll(() => bases.forEach(cleanup));

const BIG = new Uint8Array(300_000).map((_, i) => (i * 31 + 7) & 0xff); // several copy chunks
const T = 1_400_000_000_000_000_000n;

interface World { base: string; lower: string; upper: string }

function world(): World {
  const base = tempDir("layerfs-fault-", true);
  bases.push(base);
  makeTree(`${base}/lower`, {
    "a.txt": BIG,
    "small.txt": "lower small\n",
    "both.txt": "lower both\n",
    "dir/b.txt": "b in dir\n",
    "dir/sub/c.txt": "c\n",
    "emptydir/": "",
    "ln": { symlink: "a.txt" },
  });
  makeTree(`${base}/upper`, {
    "u.txt": "upper old\n",
    "w.txt": "replace me\n",
    "both.txt": "upper both\n",
    "udir/x.txt": "x\n",
    "dir/": "",
  });
  return { base, lower: `${base}/lower`, upper: `${base}/upper` };
}

/** The visible state of a host tree: names, types, modes, contents (times left out). */
function hostState(root: string): string[] {
  return snapshot(root).map((l) => l.replace(/ mtime=\S+ ctime=\S+ ino=\S+ nlink=\S+$/, "").replace(/ size=\S+/, ""));
}

/** The merged view of a union, walked through its fs-style API. */
function unionState(u: Union): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    for (const name of u.readdir(p).sort()) {
      const c = p === "/" ? `/${name}` : `${p}/${name}`;
      const st = u.lstat(c);
      if (st.type === "dir") { out.push(`${c}/ ${st.mode.toString(8)}`); walk(c); }
      else if (st.type === "symlink") out.push(`${c} -> ${u.readlink(c)}`);
      else out.push(`${c} ${st.mode.toString(8)} ${hash(u.readFile(c))}`);
    }
  };
  walk("/");
  return out;
}

function hash(b: Uint8Array): string {
  let h = 2166136261;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 16777619);
  return `${b.length}:${(h >>> 0).toString(16)}`;
}

/** Both errnos, and both a one-off failure and a full disk that stays full (clean-up fails too). */
const PLANS = [
  { errno: Errno.NOSPC, sticky: false },
  { errno: Errno.IO, sticky: true },
];

interface LayerCase {
  name: string;
  /** fsync before rename (default false here to keep the sweep fast; the copy-up cases set it). */
  durable?: boolean;
  op(upper: DirLayer<true>, lower: DirLayer, w: World): void;
}

/**
 * Run `op` once without faults (the reference "new" state), then once for every N with
 * the Nth write-type call failing, until N passes the number of write calls the op makes.
 * Returns how many failing runs were checked.
 */
function sweepLayer(c: LayerCase): number {
  const ref = world();
  const oldState = hostState(ref.upper);
  {
    const faulty = new FaultFs(hostFs());
    c.op(new DirLayer(faulty, ref.upper, { writable: true, durable: !!c.durable }), new DirLayer(hostFs(), ref.lower), ref);
  }
  const newState = hostState(ref.upper);
  expect(newState, `${c.name} changes something`).not.toEqual(oldState);
  let checked = 0;
  for (const plan of PLANS) {
    for (let n = 1; ; n++) {
      const w = world();
      const lowerBefore = snapshot(w.lower);
      const faulty = new FaultFs(hostFs(), { failAt: n, ...plan });
      const upper = new DirLayer(faulty, w.upper, { writable: true, durable: !!c.durable });
      const lower = new DirLayer(faulty, w.lower);
      let err: unknown;
      try { c.op(upper, lower, w); } catch (e) { err = e; }
      const fired = faulty.fired;
      const where = `${c.name}, ${plan.sticky ? "sticky " : ""}errno ${plan.errno} at write call ${n} (${faulty.log.join(",")})`;
      faulty.arm({});
      expect(snapshot(w.lower), where).toEqual(lowerBefore);
      if (!fired || err === undefined) {
        // No fault, or one in clean-up after the visible change (removeTree's trash): done.
        expect(err, where).toBeUndefined();
        expect(hostState(w.upper), where).toEqual(newState);
        if (!fired) break;
        continue;
      }
      expect(isFsError(err), `${where}: ${String(err)}`).toBe(true);
      expect((err as { errno: number }).errno, where).toBe(plan.errno);
      expect(hostState(w.upper), where).toEqual(oldState);
      // The failure changed nothing: the same operation now succeeds.
      c.op(upper, lower, w);
      expect(hostState(w.upper), where).toEqual(newState);
      checked++;
    }
  }
  return checked;
}

function copyUp(src: () => LayerFile) {
  return (upper: DirLayer<true>) => {
    const f = src();
    try { upper.createFileFrom("a.txt", f, { mode: 0o640, atimeNs: T, mtimeNs: T }); } finally { f.close(); }
  };
}

const memoryLower = MemoryLayer.from({ "a.txt": BIG });

const LAYER_CASES: LayerCase[] = [
  {
    name: "copy-up of a DirLayer file (reflink/copyFile path)",
    durable: true,
    op: (upper, lower) => copyUp(() => lower.open("a.txt"))(upper),
  },
  {
    name: "copy-up of a non-host file (streamed path)",
    durable: true,
    op: (upper) => copyUp(() => memoryLower.open("a.txt"))(upper),
  },
  {
    name: "copy-up into a subdirectory",
    op: (upper, lower) => {
      const f = lower.open("dir/b.txt");
      try { upper.createFileFrom("dir/b.txt", f, { mode: 0o600, mtimeNs: T }); } finally { f.close(); }
    },
  },
  { name: "rename to a new name", op: (upper) => upper.rename("u.txt", "v.txt") },
  { name: "rename replacing a file", op: (upper) => upper.rename("u.txt", "w.txt") },
  { name: "rename of a directory", op: (upper) => upper.rename("udir", "dir/moved") },
  { name: "whiteout creation", op: (upper) => upper.createFile(".wh.small.txt", { mode: 0o600 }) },
  { name: "whiteout creation in a subdirectory", op: (upper) => upper.createFile("dir/.wh.b.txt", { mode: 0o644, mtimeNs: T }) },
  { name: "opaque marker creation", op: (upper) => upper.createFile("dir/.wh..wh..opq", { mode: 0o644 }) },
  { name: "mkdir", op: (upper) => upper.mkdir("newdir", { mode: 0o750, mtimeNs: T }) },
  { name: "symlink", op: (upper) => upper.symlink("newlink", "u.txt", { mtimeNs: T }) },
  { name: "hard link", op: (upper) => upper.link("u.txt", "hard.txt") },
  { name: "unlink", op: (upper) => upper.unlink("both.txt") },
  { name: "removeTree", op: (upper) => upper.removeTree("udir") },
  { name: "setattr mode", op: (upper) => upper.setattr("u.txt", { mode: 0o600 }) },
];

describe(`fault injection on a writable DirLayer (${IN_DENO ? "Deno" : "Node"} HostFs)`, () => {
  for (const c of LAYER_CASES) {
    it(`${c.name}: every failing write step leaves the old state and the lower untouched`, () => {
      expect(sweepLayer(c)).toBeGreaterThan(0);
    });
  }

  it("a failed copy-up leaves no temporary file in the layer and none torn in the work directory", () => {
    const w = world();
    const faulty = new FaultFs(hostFs(), { failAt: 2, errno: Errno.NOSPC }); // the open after a successful copy
    const upper = new DirLayer(faulty, w.upper, { writable: true });
    const lower = new DirLayer(hostFs(), w.lower);
    const f = lower.open("a.txt");
    expect(() => upper.createFileFrom("a.txt", f, { mode: 0o644 })).toThrow();
    f.close();
    expect(fs.existsSync(`${w.upper}/a.txt`)).toBe(false);
    expect(fs.readdirSync(upper.workDir!)).toEqual([]);
    expect(upper.workDir!.startsWith(w.base + "/")).toBe(true);
    expect(upper.workDir!.startsWith(w.upper + "/")).toBe(false);
  });
});

// ---------------------------------------------------------------- through a Union

interface UnionCase {
  name: string;
  op(u: Union): void;
  /** A union-side problem this sweep finds (skipped with this reason until fixed). */
  knownIssue?: string;
}

const UNION_CASES: UnionCase[] = [
  { name: "copy-up by chmod", op: (u) => u.chmod("/a.txt", 0o600) },
  { name: "copy-up by open for writing", op: (u) => u.open("/small.txt", { write: true }).close() },
  { name: "rename of a lower file", op: (u) => u.rename("/a.txt", "/moved.txt") },
  { name: "rename of a lower file over an upper file", op: (u) => u.rename("/small.txt", "/u.txt") },
  { name: "rename of a lower directory (deep rename)", op: (u) => u.rename("/dir", "/dir2") },
  { name: "unlink of a lower file (whiteout)", op: (u) => u.unlink("/a.txt") },
  {
    name: "unlink of a file in both layers",
    op: (u) => u.unlink("/both.txt"),
  },
  { name: "rmdir of a lower directory", op: (u) => u.rmdir("/emptydir") },
  { name: "creation of a new file", op: (u) => u.open("/new.txt", { create: true, write: true, mode: 0o600 }).close() },
  { name: "mkdir over a lower whiteout-free name", op: (u) => u.mkdir("/newdir", 0o750) },
  { name: "symlink", op: (u) => u.symlink("a.txt", "/newlink") },
  { name: "hard link to a lower file", op: (u) => u.link("/small.txt", "/small-link.txt") },
];

/** Union sweeps skip fsync (the layer sweeps above cover that step): fewer steps, faster. */
const UNION_PLANS = PLANS;

function unionOver(faulty: FaultFs, w: World): Union {
  return new Union(new Image([new DirLayer(faulty, w.lower)]), new DirLayer(faulty, w.upper, { writable: true, durable: false }));
}

function sweepUnion(c: UnionCase): { checked: number; intermediate: string[] } {
  const ref = world();
  const refUnion = unionOver(new FaultFs(hostFs()), ref);
  const oldView = unionState(refUnion);
  c.op(refUnion);
  const newView = unionState(refUnion);
  refUnion.close();
  let checked = 0;
  const intermediate: string[] = [];
  for (const plan of UNION_PLANS) {
    for (let n = 1; ; n++) {
      const w = world();
      const lowerBefore = snapshot(w.lower);
      const faulty = new FaultFs(hostFs(), { failAt: n, ...plan });
      const u = unionOver(faulty, w);
      let err: unknown;
      try { c.op(u); } catch (e) { err = e; }
      const fired = faulty.fired;
      const where = `${c.name}, ${plan.sticky ? "sticky " : ""}errno ${plan.errno} at write call ${n} (${faulty.log.join(",")})`;
      faulty.arm({});
      expect(snapshot(w.lower), where).toEqual(lowerBefore);
      // A fresh union over the same directories sees what a restarted program would.
      u.close(); // the "program" ends, giving its lock back
      const fresh = unionOver(new FaultFs(hostFs()), w);
      const view = unionState(fresh);
      fresh.close();
      if (!fired || err === undefined) {
        expect(err, where).toBeUndefined();
        expect(view, where).toEqual(newView);
        if (!fired) break;
        continue;
      }
      expect(isFsError(err), `${where}: ${String(err)}`).toBe(true);
      expect((err as { errno: number }).errno, where).toBe(plan.errno);
      if (JSON.stringify(view) !== JSON.stringify(oldView) && JSON.stringify(view) !== JSON.stringify(newView)) {
        // Never torn: every file visible has exactly its old or its new content.
        const allowed = new Set([...oldView, ...newView]);
        for (const line of view) expect(allowed.has(line), `${where}: ${line}`).toBe(true);
        intermediate.push(where);
      }
      checked++;
    }
  }
  return { checked, intermediate };
}

describe(`fault injection through a Union of DirLayers (${IN_DENO ? "Deno" : "Node"} HostFs)`, () => {
  for (const c of UNION_CASES) {
    it.skipIf(skipReason(c.knownIssue))(`${c.name}: lower untouched, every visible file old or new, errno surfaces`, () => {
      const r = sweepUnion(c);
      expect(r.checked).toBeGreaterThan(0);
      // Every failure leaves exactly the old view or exactly the new one (a step that fails
      // after the change is complete reports the error with the new view in place).
      expect(r.intermediate).toEqual([]);
    });
  }
});

// Read-only DirLayers share what their indexes learned about host directories across
// unions in one process (layers/dir/shared-index.ts): a later union takes a directory
// with one lstat of it, and must still see exactly any lower edited between the two
// unions, never trust data read while a directory's times could not yet tell a change
// (the racy window), stay within its memory bound, and keep every containment guarantee
// of the lower index (a swapped directory: the old view or EIO, never outside content).
// Runs in Node and Deno (the runtime's own HostFs).
import * as fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { DirLayer, SharedDirIndex } from "../../src/layers/dir/mod.ts";
import { MAX_INTERNED_PATHS } from "../../src/layers/dir/shared-index.ts";
import type { HostFs, HostStat } from "../../src/layers/dir/mod.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { stackMemo } from "../../src/core/stack-memo.ts";
import { thrownErrno } from "../support/index.ts";
import { snapshotUnion } from "../core/tree.ts";
import { cleanup, countingHost, hostFs, listingHost, makeTree, probingHost, statStack, tempDir } from "./helpers.ts";

/** Sharing needs a host whose directory times vouch for its names (HostFs.exactDirTimes: Node, not Deno). */
const SHARES = hostFs().exactDirTimes === true;
if (!SHARES) console.log("shared-index: sharing cases skipped: this runtime's HostFs gives ctime in whole seconds (no exactDirTimes), so DirLayer shares nothing here");

describe("shared lower indexes: a host without exact directory times", () => {
  it.skipIf(SHARES)("shares nothing: a later union makes the same host calls and sees an mtime set back within the second", async () => {
    const dirs = statStack(root, 4, 30);
    await settle();
    const shared = new SharedDirIndex({ racyWindowMs: WINDOW_MS });
    const calls: number[] = [];
    for (let i = 0; i < 2; i++) {
      const c = countingHost(probingHost());
      const u = unionOf(c.host, dirs, shared);
      expect(u.stat("/d/target")?.size).toBe(6);
      calls.push(c.total());
      closeAll(u);
    }
    expect(calls[1]).toBe(calls[0]);
  });
});

/** The racy window of the tests' shared indexes: more than a jiffy, and waited out by settle(). */
const WINDOW_MS = 50;
const SECRET = "outside secret";

let root: string;
beforeEach(() => { root = tempDir("layerfs-shared-", true); });
afterEach(() => cleanup(root));

/** Let every directory made so far age past the racy window (so what is read of it can be shared). */
const settle = () => new Promise((r) => setTimeout(r, WINDOW_MS + 15));

/** A union over `dirs` (bottom first) through `host`, sharing through `shared` (false: nothing shared). */
function unionOf(host: HostFs, dirs: readonly string[], shared: SharedDirIndex | false): Union {
  return new Union(new Image(dirs.map((d) => new DirLayer(host, d, { shareIndex: shared }))), new MemoryLayer());
}

/** Done with a union as the CLI is: the union, then its layers (which share what waits). */
function closeAll(u: Union): void {
  u.close();
  u.image.close();
}

/** What a union shows at `paths` (type or absent, a clean errno for an error) and its whole tree. */
function view(u: Union, paths: readonly string[]): unknown {
  const at = paths.map((p) => {
    try { return u.stat(p, { throwIfNoEntry: false })?.type ?? "absent"; } catch (e) { return `errno ${thrownErrno(() => { throw e; })}`; }
  });
  return { at, tree: [...snapshotUnion(u)] };
}

describe.skipIf(!SHARES)("shared lower indexes: a later union over the same directories", () => {
  it("makes far fewer host calls for the same answers: one lstat per directory taken (none for a layer's root)", async () => {
    const LAYERS = 8;
    const dirs = statStack(root, LAYERS, 30);
    await settle();
    const shared = new SharedDirIndex({ racyWindowMs: WINDOW_MS });
    // As on tmpfs: small roots listed at their first lookup, d/ probed.
    const c = countingHost(hostFs());
    const host = new Proxy(c.host, {
      get: (t, k, r) => {
        const v = Reflect.get(t, k, r) as (p: string) => HostStat | undefined;
        if (k !== "lstat" && k !== "lstatIfExists") return typeof v === "function" ? v.bind(t) : v;
        return (p: string) => { const st = v.call(t, p); return st?.kind === "dir" ? { ...st, size: dirs.includes(p) ? 60 : 4096 } : st; };
      },
    });
    const lookups: number[] = [];
    const answers: unknown[] = [];
    for (let run = 0; run < 3; run++) {
      const u = unionOf(host, dirs, shared);
      c.calls.clear();
      answers.push([u.readFile("/d/target", "utf8"), u.stat("/d/none", { throwIfNoEntry: false }), u.stat("/nothing", { throwIfNoEntry: false })]);
      lookups.push(c.total());
      if (run > 0) expect(c.calls.get("readdir") ?? 0).toBe(0);
      closeAll(u);
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    // The first union: every root listed, d/ probed in each layer. Later ones: d/ validated by one
    // lstat in each layer, the checks of what is shown (target in the bottom layer, d/ in the top).
    expect(lookups[0]).toBeGreaterThanOrEqual(LAYERS * 4);
    expect(lookups[1]).toBeLessThanOrEqual(LAYERS + 10);
    expect(lookups[2]).toBe(lookups[1]);
  });

  it("is off with shareIndex: false (every union reads for itself)", async () => {
    const dirs = statStack(root, 4, 30);
    await settle();
    const c = countingHost(hostFs());
    const counts: number[] = [];
    for (let run = 0; run < 2; run++) {
      const u = unionOf(c.host, dirs, false);
      c.calls.clear();
      u.stat("/d/target");
      u.stat("/d/none", { throwIfNoEntry: false });
      counts.push(c.total());
      closeAll(u);
    }
    expect(counts[1]).toBe(counts[0]);
  });

  it("keeps a listing it hands out as it is: a union's stats of its names are its own (a chmod in place shows in the next union)", async () => {
    makeTree(`${root}/l`, { a: "a", b: "b" });
    fs.chmodSync(`${root}/l/a`, 0o644);
    await settle();
    const shared = new SharedDirIndex({ racyWindowMs: WINDOW_MS });
    const host = listingHost();
    const u1 = unionOf(host, [`${root}/l`], shared);
    expect(u1.readdir("/").sort()).toEqual(["a", "b"]);
    closeAll(u1);
    const u2 = unionOf(host, [`${root}/l`], shared); // takes the shared listing, then stats its names
    expect(u2.stat("/a").mode & 0o777).toBe(0o644);
    closeAll(u2);
    fs.chmodSync(`${root}/l/a`, 0o600); // the file's ctime only: the directory's times vouch for its names still
    const u3 = unionOf(host, [`${root}/l`], shared);
    expect(u3.stat("/a").mode & 0o777).toBe(0o600);
    expect(u3.stat("/b").type).toBe("file");
    closeAll(u3);
  });

  it("validates a layer's root with the lstat it was opened with: a union taking the shared root costs no call for it", async () => {
    makeTree(`${root}/top`, { "a/x": "x" });
    makeTree(`${root}/bottom`, { "b/y": "y" });
    await settle();
    const shared = new SharedDirIndex({ racyWindowMs: WINDOW_MS });
    const c = countingHost(listingHost());
    const u1 = unionOf(c.host, [`${root}/bottom`, `${root}/top`], shared);
    c.calls.clear();
    expect(u1.readdir("/").sort()).toEqual(["a", "b"]);
    const first = new Map(c.calls);
    closeAll(u1);
    const u2 = unionOf(c.host, [`${root}/bottom`, `${root}/top`], shared);
    c.calls.clear();
    expect(u2.readdir("/").sort()).toEqual(["a", "b"]);
    // The roots' names from the shared index, validated by no call of their own: the same lstats
    // (each root's check, the attributes of a and b), no readdir.
    expect(first.get("readdir")).toBe(2);
    expect(c.calls.get("readdir") ?? 0).toBe(0);
    expect(c.total()).toBe([...first.values()].reduce((x, y) => x + y, 0) - 2);
    closeAll(u2);
  });
});

// Each edit between two unions over the same lowers: the second union must show exactly what a union
// sharing nothing shows. In each strategy (probed directories as on ext4, small ones listed).
const EDITS: [string, (lower: string) => void][] = [
  ["a name added", (l) => fs.writeFileSync(`${l}/d/new.txt`, "new")],
  ["a name removed", (l) => fs.rmSync(`${l}/d/x`)],
  ["a name renamed", (l) => fs.renameSync(`${l}/d/x`, `${l}/d/y`)],
  ["a whiteout added", (l) => fs.writeFileSync(`${l}/d/.wh.below`, "")],
  ["an opaque marker added", (l) => fs.writeFileSync(`${l}/d/.wh..wh..opq`, "")],
  ["a directory replaced by a file", (l) => { fs.rmSync(`${l}/d/sub`, { recursive: true }); fs.writeFileSync(`${l}/d/sub`, "now a file"); }],
  ["a directory replaced by another directory", (l) => {
    fs.renameSync(`${l}/d/sub`, `${l}/sub.old`);
    makeTree(`${l}/d/sub`, { z: "other" });
  }],
  ["a name added, then the directory's mtime set back (utimes cannot set its ctime back)", (l) => {
    fs.writeFileSync(`${l}/d/sneaky`, "s");
    fs.utimesSync(`${l}/d`, ROUND_TIME, ROUND_TIME); // exactly the mtime it had (set in whole seconds before)
  }],
  ["a root name added", (l) => fs.writeFileSync(`${l}/added-at-root`, "r")],
];
/** Whole seconds: a time utimes sets back exactly. */
const ROUND_TIME = 1_700_000_000;
const PATHS = ["/d", "/d/x", "/d/y", "/d/new.txt", "/d/below", "/d/deep", "/d/sub", "/d/sub/w", "/d/sub/z", "/d/sneaky", "/added-at-root", "/d/none"];

// Learnt by one union (the shared index holds what it read), or by two (the second takes it and
// leaves a stack memo too: core/stack-memo.ts, whose answers the union after the edit must not trust).
const LEARNT = [["one union", 1], ["two unions (a stack memo too)", 2]] as const;
const CASES = LEARNT.flatMap(([how, n]) => EDITS.map(([name, edit]) => [`${name}; learnt by ${how}`, edit, n] as const));

describe.skipIf(!SHARES).each([["probed", probingHost], ["small directories listed", listingHost]] as const)("shared lower indexes: edits between unions are seen (%s)", (_n, strategy) => {
  it.each(CASES)("%s", async (_name, edit, learning) => {
    const lower = `${root}/top`;
    makeTree(`${root}/bottom`, { "d/below": "b", "d/deep": "deep", "d/x": "bottom x" });
    makeTree(lower, { "d/x": "top x", "d/sub/w": "w", "other/o": "o" });
    fs.utimesSync(`${lower}/d`, ROUND_TIME, ROUND_TIME);
    await settle();
    const host = strategy();
    const shared = new SharedDirIndex({ racyWindowMs: WINDOW_MS });
    const dirs = [`${root}/bottom`, lower];
    const u1 = unionOf(host, dirs, shared);
    const before = view(u1, PATHS);
    closeAll(u1);
    expect(shared.size.dirs).toBeGreaterThan(0);
    if (learning === 2) {
      const memoHeld = stackMemo.size;
      const u = unionOf(host, dirs, shared);
      expect(view(u, PATHS)).toEqual(before);
      closeAll(u);
      expect(stackMemo.size).toBeGreaterThan(memoHeld); // the second union left answers to take
    }
    edit(lower);
    const u2 = unionOf(host, dirs, shared);
    const fresh = unionOf(host, dirs, false);
    const after = view(fresh, PATHS);
    expect(after).not.toEqual(before); // the edit shows (else the case tests nothing)
    expect(view(u2, PATHS)).toEqual(after);
    closeAll(u2);
    // And the union after that (the new state shared once settled).
    await settle();
    const u3 = unionOf(host, dirs, shared);
    expect(view(u3, PATHS)).toEqual(after);
    closeAll(u3);
    const u4 = unionOf(host, dirs, shared);
    expect(view(u4, PATHS)).toEqual(after);
    closeAll(u4);
  });
});

describe.skipIf(!SHARES)("shared lower indexes: the racy window", () => {
  /**
   * `inner` as on a filesystem whose timestamps are kept in 1000 s ticks: a change in the same
   * tick as the one before leaves a directory's times as they were.
   */
  function coarseHost(inner: HostFs): HostFs {
    const TICK = 1_000_000_000_000n;
    const coarse = (st: HostStat | undefined): HostStat | undefined =>
      st === undefined ? st : { ...st, mtimeNs: st.mtimeNs / TICK * TICK, ctimeNs: st.ctimeNs / TICK * TICK, atimeNs: st.atimeNs / TICK * TICK };
    return new Proxy(inner, {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver);
        if (key === "lstat" || key === "lstatIfExists" || key === "fstat") return (...a: unknown[]) => coarse((v as (...x: unknown[]) => HostStat).apply(target, a));
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  }

  it("what was read within the window of the directory's last change is not shared: an edit in the same tick is seen", () => {
    makeTree(`${root}/bottom`, { "d/x": "x" });
    makeTree(`${root}/top`, { "d/y": "y" });
    const host = probingHost(coarseHost(hostFs()));
    // A window longer than the tick, as the real one is longer than a jiffy and than FAT's 2 s.
    const shared = new SharedDirIndex({ racyWindowMs: 2_000_000 });
    const dirs = [`${root}/bottom`, `${root}/top`];
    const u1 = unionOf(host, dirs, shared);
    expect(u1.stat("/d/new", { throwIfNoEntry: false })).toBeUndefined();
    closeAll(u1);
    expect(shared.held(`${root}/top/d`)).toBeUndefined();
    fs.writeFileSync(`${root}/top/d/new`, "new"); // same tick: the directory's times unchanged
    const u2 = unionOf(host, dirs, shared);
    expect(u2.readFile("/d/new", "utf8")).toBe("new");
    closeAll(u2);
  });

  it("is measured from the directory's ctime: once past it, what is read is shared", () => {
    makeTree(`${root}/bottom`, { "d/x": "x" });
    makeTree(`${root}/top`, { "d/y": "y" });
    let clock = Date.now();
    const shared = new SharedDirIndex({ racyWindowMs: 10_000, now: () => clock });
    const dirs = [`${root}/bottom`, `${root}/top`];
    const c = countingHost(probingHost());
    const run = (): number => {
      const u = unionOf(c.host, dirs, shared);
      c.calls.clear();
      expect(u.stat("/d/none", { throwIfNoEntry: false })).toBeUndefined();
      const n = c.total();
      closeAll(u);
      return n;
    };
    const first = run();
    expect(run()).toBe(first); // within the window: nothing shared
    expect(shared.held(`${root}/top/d`)).toBeUndefined();
    clock += 11_000;
    expect(run()).toBe(first); // read past the window: shared at close
    expect(shared.held(`${root}/top/d`)).toBeDefined();
    expect(run()).toBeLessThan(first);
  });
});

describe.skipIf(!SHARES)("shared lower indexes: the memory bound", () => {
  const stat = (ino: number, ctimeNs = 1n): HostStat => ({
    kind: "dir", mode: 0o755, uid: 0, gid: 0, size: 4096, nlink: 2, dev: 1n, ino: BigInt(ino), rdev: 0n, atimeNs: 1n, mtimeNs: 1n, ctimeNs,
  });
  const names = (n: number, tag: string) => new Map(Array.from({ length: n }, (_, i) => [`${tag}${i}`, 0]));

  it("holds at most maxNames names, dropping the directories used least recently; a bigger one is not kept", () => {
    const shared = new SharedDirIndex({ maxNames: 100, racyWindowMs: 0, now: () => 10_000 });
    shared.keepListing("/a", stat(1), 10_000, names(40, "a"), undefined);
    shared.keepListing("/b", stat(2), 10_000, names(40, "b"), undefined);
    expect(shared.stillValid("/a", shared.held("/a")!, stat(1))).toBe(true); // /a used: /b is now the least recent
    shared.keepAbsent("/c", stat(3), 10_000, ["x", "y", "z"]);
    expect(shared.size).toEqual({ dirs: 3, names: 83 });
    shared.keepListing("/d", stat(4), 10_000, names(30, "d"), undefined);
    expect(shared.size.names).toBeLessThanOrEqual(100);
    expect(shared.held("/b")).toBeUndefined();
    expect(shared.held("/a")).toBeDefined();
    expect(shared.held("/d")).toBeDefined();
    shared.keepListing("/big", stat(5), 10_000, names(101, "g"), undefined);
    expect(shared.held("/big")).toBeUndefined();
    expect(shared.size.names).toBeLessThanOrEqual(100);
  });

  it("makes each host path once for all unions over a root (the same string), and holds at most MAX_INTERNED_PATHS", () => {
    const shared = new SharedDirIndex();
    const paths = shared.hostPathsUnder("/r");
    expect([paths.of(""), paths.of("d"), paths.of("d/e")]).toEqual(["/r", "/r/d", "/r/d/e"]);
    expect(shared.hostPathsUnder("/r")).toBe(paths); // a later union's index: the paths already made
    expect(shared.internedPaths).toBe(4); // the root, then its three paths
    for (let i = 0; i < MAX_INTERNED_PATHS + 10; i++) shared.hostPathsUnder(`/r${i}`).of("d");
    expect(shared.internedPaths).toBeLessThanOrEqual(MAX_INTERNED_PATHS);
    expect(shared.hostPathsUnder("/r")).not.toBe(paths); // dropped at the bound: made again
    expect(shared.hostPathsUnder("/r").of("d")).toBe("/r/d");
  });

  it("drops what an lstat shows stale, and keeps nothing read within the window of a ctime", () => {
    const shared = new SharedDirIndex({ racyWindowMs: 1000, now: () => 5000 });
    shared.keepListing("/a", stat(1, 1_000_000_000n), 3000, names(3, "a"), undefined); // read 2 s after its ctime
    expect(shared.stillValid("/a", shared.held("/a")!, stat(1, 1_000_000_001n))).toBe(false); // ctime moved
    expect(shared.held("/a")).toBeUndefined();
    shared.keepListing("/a", stat(1, 2_500_000_000n), 3000, names(3, "a"), undefined); // read 0.5 s after it
    expect(shared.held("/a")).toBeUndefined();
    expect(shared.wants("/a", 3000)).toBe(false); // known racy until 3.5 s
    expect(shared.wants("/a", 3600)).toBe(true);
  });

  it("a union over lowers bigger than the bound stays exact and re-reads what was dropped", async () => {
    const dirs = statStack(root, 4, 30);
    await settle();
    const shared = new SharedDirIndex({ maxNames: 40, racyWindowMs: WINDOW_MS });
    const host = listingHost();
    const expected = view(unionOf(host, dirs, false), ["/d/target", "/d/u1_3", "/d/none"]);
    for (let run = 0; run < 3; run++) {
      const u = unionOf(host, dirs, shared);
      expect(view(u, ["/d/target", "/d/u1_3", "/d/none"])).toEqual(expected);
      closeAll(u);
      expect(shared.size.names).toBeLessThanOrEqual(40);
    }
  });
});

describe.skipIf(!SHARES)("shared lower indexes: containment", () => {
  let outside: string;
  beforeEach(() => {
    outside = `${root}/outside`;
    makeTree(outside, { "d/x": SECRET, "d/secret": SECRET, "b/file": SECRET, x: SECRET, secret: SECRET });
  });

  /** Every answer is inside-only: no outside bytes or names, or a clean FsError. */
  function inside(fn: () => unknown): void {
    let v: unknown;
    try { v = fn(); } catch (e) { expect(thrownErrno(() => { throw e; }), String(e)).toBeTypeOf("number"); return; }
    const s = typeof v === "string" ? v : JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? String(x) : x)) ?? "";
    expect(s).not.toContain(SECRET);
    expect(s).not.toContain("secret");
  }
  /** A first union that learns directory `d` (a name probed absent, then its listing: x and y) and shares it at close. */
  const learn = (host: HostFs, shared: SharedDirIndex, d: string): void => {
    const u = unionOf(host, [`${root}/lower`], shared);
    expect(u.stat(`${d}/secret`, { throwIfNoEntry: false })).toBeUndefined();
    expect(u.readdir(d).sort()).toEqual(["x", "y"]);
    closeAll(u);
  };
  const probe = (u: Union, paths: readonly string[]) => {
    for (const p of paths) {
      inside(() => u.stat(p, { throwIfNoEntry: false }));
      inside(() => u.readFile(p, "utf8"));
      inside(() => u.readdir(p));
    }
  };

  it.each([["probed", probingHost], ["small directories listed", listingHost]] as const)(
    "a directory swapped for a symlink to the outside between unions is seen as the symlink (%s)", async (_n, strategy) => {
      makeTree(`${root}/lower`, { "a/d/x": "inside", "a/d/y": "inside too", "top.txt": "t" });
      await settle();
      const host = strategy();
      const shared = new SharedDirIndex({ racyWindowMs: WINDOW_MS });
      const u1 = unionOf(host, [`${root}/lower`], shared);
      expect(u1.readFile("/a/d/x", "utf8")).toBe("inside");
      expect(u1.stat("/a/d/secret", { throwIfNoEntry: false })).toBeUndefined();
      expect(u1.readdir("/a/d").sort()).toEqual(["x", "y"]);
      closeAll(u1);
      fs.renameSync(`${root}/lower/a`, `${root}/a.gone`);
      fs.symlinkSync(outside, `${root}/lower/a`);
      const u2 = unionOf(host, [`${root}/lower`], shared);
      expect(u2.lstat("/a").type).toBe("symlink");
      probe(u2, ["/a/d/x", "/a/d/secret", "/a/d", "/a/x", "/a/secret"]);
      closeAll(u2);
    });

  it("a directory moved outside whole, a symlink left in its place: its shared names are never reached through the link", async () => {
    makeTree(`${root}/lower`, { "d/x": "inside", "d/y": "inside too" });
    await settle();
    const host = probingHost();
    const shared = new SharedDirIndex({ racyWindowMs: WINDOW_MS });
    learn(host, shared, "/d");
    // The very directory object (same dev, ino and times) now outside the layer.
    fs.renameSync(`${root}/lower/d`, `${outside}/moved`);
    fs.symlinkSync(`${outside}/moved`, `${root}/lower/d`);
    const u2 = unionOf(host, [`${root}/lower`], shared);
    expect(u2.lstat("/d").type).toBe("symlink");
    probe(u2, ["/d/x", "/d/y", "/d", "/d/secret"]);
    closeAll(u2);
  });

  it.each([["probed", probingHost], ["small directories listed", listingHost]] as const)(
    "a directory taken from the shared index, then swapped for a symlink to the outside while mounted: the old view or EIO (%s)", async (_n, strategy) => {
      makeTree(`${root}/lower`, { "a/d/x": "inside", "a/d/y": "inside too" });
      await settle();
      const host = strategy();
      const shared = new SharedDirIndex({ racyWindowMs: WINDOW_MS });
      learn(host, shared, "/a/d");
      const u2 = unionOf(host, [`${root}/lower`], shared);
      expect(u2.stat("/a/d/secret", { throwIfNoEntry: false })).toBeUndefined(); // d taken from the shared index
      fs.renameSync(`${root}/lower/a`, `${root}/a.gone`);
      fs.symlinkSync(outside, `${root}/lower/a`);
      probe(u2, ["/a/d/x", "/a/d/y", "/a/d/secret", "/a/d", "/a/x", "/a/secret", "/a/b/file"]);
      closeAll(u2);
      // And nothing of the outside was shared for the next union either.
      fs.rmSync(`${root}/lower/a`);
      fs.renameSync(`${root}/a.gone`, `${root}/lower/a`);
      const u3 = unionOf(host, [`${root}/lower`], shared);
      expect(u3.readdir("/a/d").sort()).toEqual(["x", "y"]);
      expect(u3.readFile("/a/d/x", "utf8")).toBe("inside");
      probe(u3, ["/a/d/secret", "/a/secret", "/a/x"]);
      closeAll(u3);
    });
});

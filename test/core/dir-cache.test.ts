// The union's cache of directories walked through (core/dir-cache.ts): every change
// that can move how a directory resolves makes the next walk see the new state. Each
// case walks a path first (so the directories are cached), changes something, and
// walks again. The last test is differential: random operations on a union (with
// its cache) against a fresh union over the same image and upper after every step.
// Portable (no node:* imports).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DIR_CACHE_MAX } from "../../src/core/dir-cache.ts";
import { Errno } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import type { UnionFile } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import type { MemorySpec } from "../../src/layers/memory.ts";
import { draws } from "../support/draw.ts";
import type { Draw } from "../support/draw.ts";
import { env, thrownErrno } from "../support/index.ts";
import { NAMES, randLayer } from "./random-layer.ts";

function over(spec: MemorySpec, quota?: { inodes?: number; bytes?: number }): Union {
  return new Union(new Image([MemoryLayer.from(spec, { timeNs: 1n })]), new MemoryLayer(), quota === undefined ? {} : { quota });
}

describe("the cache of directories walked through", () => {
  it("a lower directory copied up shows the upper's new children (directory copy-up)", () => {
    const u = over({ "a/b/f": "lower" });
    expect(u.lstat("/a/b/f").type).toBe("file"); // a, a/b cached as lower-only
    u.writeFile("/a/b/new", "x"); // copies a and a/b up
    expect(u.readFile("/a/b/new", "utf8")).toBe("x");
    expect(u.readdir("/a/b")).toEqual(["f", "new"]);
    u.mkdir("/a/b/sub");
    u.writeFile("/a/b/sub/deeper", "y");
    expect(u.readFile("/a/b/sub/deeper", "utf8")).toBe("y");
  });

  it("a directory created by mkdir -p under a lower directory is walked into", () => {
    const u = over({ "a/f": "lower" });
    expect(u.exists("/a/f")).toBe(true);
    u.mkdir("/a/x/y/z", { recursive: true });
    u.writeFile("/a/x/y/z/f", "deep");
    expect(u.readdir("/a/x/y")).toEqual(["z"]);
    expect(u.readFile("/a/x/y/z/f", "utf8")).toBe("deep");
  });

  it("rmdir of a directory: its path no longer resolves, also as 'dir/.'", () => {
    const u = over({});
    u.mkdir("/a/sub", { recursive: true });
    expect(u.exists("/a/sub/x")).toBe(false); // walks through a and a/sub
    u.rmdir("/a/sub");
    expect(thrownErrno(() => u.stat("/a/sub/."))).toBe(Errno.NOENT);
    expect(thrownErrno(() => u.writeFile("/a/sub/f", "x"))).toBe(Errno.NOENT);
  });

  it("rmdir of a lower directory (a whiteout, nothing removed in the upper) hides it", () => {
    const u = over({ "e/": {} });
    expect(u.exists("/e/x")).toBe(false); // e cached (lower-only)
    u.rmdir("/e"); // only writes .wh.e
    expect(thrownErrno(() => u.stat("/e/."))).toBe(Errno.NOENT);
    expect(thrownErrno(() => u.readdir("/e/"))).toBe(Errno.NOENT);
  });

  it("rm -r of a merged tree, then mkdir over it: the new directories are opaque and empty", () => {
    const u = over({ "m/k/f": "lower", "m/g": "lower" });
    expect(u.readFile("/m/k/f", "utf8")).toBe("lower");
    u.unlink("/m/k/f");
    u.rmdir("/m/k");
    u.unlink("/m/g");
    u.rmdir("/m");
    expect(thrownErrno(() => u.lstat("/m/k/f"))).toBe(Errno.NOENT);
    u.mkdir("/m"); // opaque: over a whiteout
    u.mkdir("/m/k");
    expect(u.readdir("/m")).toEqual(["k"]);
    expect(u.readdir("/m/k")).toEqual([]);
    expect(thrownErrno(() => u.lstat("/m/k/f"))).toBe(Errno.NOENT);
    expect(u.upper.stat("m/.wh..wh..opq")).toBeDefined();
  });

  it("rename of an ancestor: the old path is gone, the new one resolves, also as 'dir/.'", () => {
    const u = over({});
    u.mkdir("/a/sub/deep", { recursive: true });
    u.writeFile("/a/sub/deep/f", "x");
    expect(u.readFile("/a/sub/deep/f", "utf8")).toBe("x");
    u.rename("/a", "/b");
    expect(thrownErrno(() => u.stat("/a/sub/."))).toBe(Errno.NOENT);
    expect(thrownErrno(() => u.lstat("/a/sub/deep/f"))).toBe(Errno.NOENT);
    expect(u.readFile("/b/sub/deep/f", "utf8")).toBe("x");
    u.mkdir("/a");
    expect(u.readdir("/a")).toEqual([]);
  });

  it("rename of a lower directory (deep rename): both names resolve as they now are", () => {
    const u = over({ "src/sub/f": "lower", "dst/": {} });
    expect(u.readFile("/src/sub/f", "utf8")).toBe("lower");
    expect(u.exists("/dst/x")).toBe(false);
    u.rename("/src", "/dst");
    expect(u.readFile("/dst/sub/f", "utf8")).toBe("lower");
    expect(thrownErrno(() => u.lstat("/src/sub/f"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => u.stat("/src/sub/."))).toBe(Errno.NOENT);
  });

  it("rename onto an empty directory: a new entry in it takes the moved directory's group (set-group-ID)", () => {
    const u = over({});
    u.mkdir("/src");
    u.chown("/src", -1, 7);
    u.chmod("/src", 0o2775);
    u.mkdir("/dst");
    expect(u.exists("/dst/x")).toBe(false); // dst cached: mode 0o755, gid 0
    u.rename("/src", "/dst");
    u.writeFile("/dst/f", "x");
    expect(u.stat("/dst/f").gid).toBe(7);
  });

  it("chmod and chown of a directory walked through: new entries inherit its new group", () => {
    const u = over({});
    u.mkdir("/g");
    expect(u.exists("/g/old")).toBe(false); // g cached: mode 0o755, gid 0
    u.chown("/g", -1, 9);
    u.chmod("/g", 0o2755);
    u.mkdir("/g/sub");
    expect(u.stat("/g/sub").gid).toBe(9);
    expect(u.stat("/g/sub").mode & 0o2000).toBe(0o2000);
  });

  it("a symlink is never a key: replacing it sends the same path elsewhere", () => {
    const u = over({ "real/sub/f": "one", "other/sub/g": "two", ln: { symlink: "real" } });
    expect(u.readFile("/ln/sub/f", "utf8")).toBe("one");
    expect(u.realpath("/ln/sub")).toBe("/real/sub");
    u.unlink("/ln"); // no directory changes: nothing is forgotten
    u.symlink("other", "/ln");
    expect(thrownErrno(() => u.lstat("/ln/sub/f"))).toBe(Errno.NOENT);
    expect(u.readFile("/ln/sub/g", "utf8")).toBe("two");
    expect(u.realpath("/ln/sub")).toBe("/other/sub");
    // A directory named like the symlink's old target path is found under its own name only.
    u.unlink("/ln");
    u.mkdir("/ln/sub", { recursive: true });
    expect(u.readdir("/ln/sub")).toEqual([]);
    expect(u.readFile("/real/sub/f", "utf8")).toBe("one");
  });

  it("past its bound the cache starts over, also in the middle of a walk, and still forgets what changes", () => {
    const u = over({});
    for (let i = 0; i < DIR_CACHE_MAX - 2; i++) u.mkdir(`/d${i}`);
    for (let i = 0; i < DIR_CACHE_MAX - 2; i++) expect(u.exists(`/d${i}/x`)).toBe(false);
    u.mkdir("/p/q/r", { recursive: true });
    u.writeFile("/p/q/r/f", "x");
    expect(u.readFile("/p/q/r/f", "utf8")).toBe("x");
    expect(u.readFile("/p/q/r/f", "utf8")).toBe("x");
    u.rename("/p/q", "/p/z");
    expect(thrownErrno(() => u.stat("/p/q/r/."))).toBe(Errno.NOENT);
    expect(u.readFile("/p/z/r/f", "utf8")).toBe("x");
    for (let i = 0; i < DIR_CACHE_MAX; i += 100) expect(u.stat(`/d${i}/.`).type).toBe("dir");
  });

  it("'..' and absolute symlinks walk cached directories without leaving the root", () => {
    const u = over({ "a/b/c/f": "x", "a/b/up": { symlink: "../../../../.." }, "a/b/abs": { symlink: "/a/b/c" } });
    for (let i = 0; i < 2; i++) { // the second round walks from the cache
      expect(u.realpath("/a/b/c/../../../../..")).toBe("/");
      expect(u.realpath("/a/b/up")).toBe("/");
      expect(u.readdir("/a/b/up/a/b/up/a")).toEqual(["b"]);
      expect(u.readFile("/a/b/abs/f", "utf8")).toBe("x");
      expect(u.realpath("/a/b/abs/../../..")).toBe("/");
    }
  });

  for (const holding of [false, true]) {
    it(`fork${holding ? " with an open descriptor (the state is kept)" : ""}: the directories walked through now come from the frozen layer`, () => {
      const u = over({});
      u.mkdir("/u/v", { recursive: true });
      u.writeFile("/u/v/f", "before");
      const held = holding ? u.open("/") : undefined;
      expect(u.readFile("/u/v/f", "utf8")).toBe("before"); // u, u/v cached as upper directories
      const child = u.fork();
      expect(u.readFile("/u/v/f", "utf8")).toBe("before"); // from the frozen layer now
      u.writeFile("/u/v/g", "after"); // u/v is lower now: copied up into the fresh upper
      expect(u.readdir("/u/v")).toEqual(["f", "g"]);
      expect(u.readFile("/u/v/g", "utf8")).toBe("after");
      expect(child.readdir("/u/v")).toEqual(["f"]);
      held?.close();
    });
  }

  it("reset with an open descriptor (the state is kept): the old upper's directories are gone", () => {
    const u = over({ "keep/f": "lower" });
    u.mkdir("/u/v", { recursive: true });
    u.writeFile("/u/v/f", "x");
    const held: UnionFile = u.open("/keep/f"); // keeps the union state across reset
    expect(u.readFile("/u/v/f", "utf8")).toBe("x");
    u.reset();
    expect(thrownErrno(() => u.lstat("/u/v/f"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => u.stat("/u/v/."))).toBe(Errno.NOENT);
    u.mkdir("/u/v", { recursive: true });
    expect(u.readdir("/u/v")).toEqual([]);
    held.close();
  });

  it("under a quota: a copy-up refused half-way leaves a view that a fresh union agrees with", () => {
    // The lower's a/b/c chain takes 3 inodes to copy up, the new file a 4th: only 2 fit.
    const u = over({ "a/b/c/f": "x" }, { inodes: 2 });
    expect(u.readFile("/a/b/c/f", "utf8")).toBe("x");
    expect(thrownErrno(() => u.writeFile("/a/b/c/new", "y"))).toBe(Errno.NOSPC);
    expect(u.upper.stat("a/b")?.type).toBe("dir"); // copied up on the way, kept
    expect(u.readdir("/a/b/c")).toEqual(["f"]);
    const fresh = new Union(u.image, u.upper);
    expect(u.readdir("/a/b")).toEqual(fresh.readdir("/a/b"));
    expect(u.stat("/a/b/.").mtimeNs).toBe(fresh.stat("/a/b/.").mtimeNs);
  });
});

// ---------------------------------------------------------------- differential ---

/** What a path shows: lstat and stat (no inode numbers: a fresh union numbers copied-up objects anew), a listing, a link target. */
function observe(u: Union, path: string): string {
  const one = (f: () => string): string => {
    try {
      return f();
    } catch (e) {
      return (e as { code?: string }).code ?? String(e);
    }
  };
  const st = (s: { type: string; mode: number; uid: number; gid: number; size: number; nlink: number; mtimeNs: bigint }): string =>
    `${s.type} ${s.mode.toString(8)} ${s.uid}:${s.gid} ${s.size} ${s.nlink} ${s.mtimeNs}`;
  return [
    one(() => st(u.lstat(path))),
    one(() => st(u.stat(path + "/."))),
    one(() => u.readdir(path).join(",")),
    one(() => u.realpath(path)),
  ].join(" | ");
}

/** Every path of 1..3 names, plus a few with "." and "..". */
const PROBES: string[] = (() => {
  const out: string[] = ["/"];
  const add = (p: string, depth: number): void => {
    for (const n of NAMES) {
      out.push(p + "/" + n);
      if (depth > 1) add(p + "/" + n, depth - 1);
    }
  };
  add("", 3);
  out.push("/a/..", "/a/b/../c", "/a/./b/..", "/../a/b", "/a/b/../../c/d");
  return out;
})();

function randPath(d: Draw): string {
  const parts: string[] = [];
  for (let i = 1 + d.int(3); i > 0; i--) parts.push(d.chance(0.05) ? ".." : d.chance(0.03) ? ".wh.a" : d.pick(NAMES));
  return "/" + parts.join("/");
}

/** One random operation on `u` (errors are part of the behaviour); may return a new union to go on with. */
function step(u: Union, d: Draw, log: string[], held: UnionFile[]): Union {
  const p = randPath(d);
  const q = randPath(d);
  const r = d.int(100);
  const run = (what: string, f: () => unknown): void => {
    let out = "ok";
    try {
      f();
    } catch (e) {
      out = (e as { code?: string }).code ?? String(e);
    }
    log.push(`${what} -> ${out}`);
  };
  if (r < 14) run(`writeFile ${p}`, () => u.writeFile(p, "w" + d.int(3)));
  else if (r < 28) run(`mkdir ${p}`, () => u.mkdir(p, { recursive: d.chance(0.3) }));
  else if (r < 38) run(`rmdir ${p}`, () => u.rmdir(p));
  else if (r < 48) run(`unlink ${p}`, () => u.unlink(p));
  else if (r < 64) run(`rename ${p} ${q}`, () => u.rename(p, q));
  else if (r < 70) {
    const t = (d.chance(0.4) ? "/" : "") + d.pick(NAMES) + (d.chance(0.5) ? "/" + d.pick(NAMES) : "");
    run(`symlink ${t} ${p}`, () => u.symlink(t, p));
  } else if (r < 75) run(`chmod ${p}`, () => u.chmod(p, d.pick([0o755, 0o2775, 0o700])));
  else if (r < 79) run(`chown ${p}`, () => u.chown(p, -1, d.int(3)));
  else if (r < 83) run(`link ${p} ${q}`, () => u.link(p, q));
  else if (r < 86) run(`truncate ${p}`, () => u.truncate(p, d.int(3)));
  else if (r < 89) run(`utimes ${p}`, () => u.utimes(p, 5, 6));
  else if (r < 92) run(`open ${p}`, () => held.push(u.open(p, d.chance(0.5) ? "r" : "r+")));
  else if (r < 95) {
    log.push("fork");
    const child = u.fork();
    if (d.chance(0.3)) {
      log.push("(continue in the child)");
      return child;
    }
  } else {
    log.push("reset");
    u.reset();
  }
  return u;
}

describe("the cache of directories walked through, differential", () => {
  const runs = Number(env("LAYERFS_DIRCACHE_RUNS") ?? 100);
  it(`a union with its cache shows what a fresh union over the same layers shows, after every step (${runs} runs)`, () => {
    fc.assert(
      fc.property(draws, fc.integer({ min: 5, max: 30 }), fc.boolean(), (d, steps, quota) => {
        const layers = [MemoryLayer.from(randLayer(d), { timeNs: 1n })];
        if (d.chance(0.5)) layers.push(MemoryLayer.from(randLayer(d), { timeNs: 2n }));
        let u = new Union(new Image(layers), new MemoryLayer(), quota ? { quota: { inodes: 3 + d.int(12) } } : {});
        const log: string[] = [];
        const held: UnionFile[] = [];
        if (d.chance(0.5)) held.push(u.open("/")); // keeps the union's state across fork and reset
        for (let i = 0; i < steps; i++) {
          u = step(u, d, log, held);
          const fresh = new Union(u.image, u.upper);
          for (const p of PROBES) {
            const want = observe(fresh, p);
            const got = observe(u, p);
            if (got !== want) throw new Error(`after\n  ${log.join("\n  ")}\n${p}: cached union shows\n  ${got}\na fresh union\n  ${want}`);
          }
        }
        for (const h of held) h.close();
      }),
      // LAYERFS_DIRCACHE_NOSHRINK: report the first failure unshrunk (quick checks that a test catches a fault).
      { numRuns: runs, seed: Number(env("LAYERFS_DIRCACHE_SEED") ?? 20261206), endOnFailure: env("LAYERFS_DIRCACHE_NOSHRINK") !== undefined },
    );
  }, 120_000);
});

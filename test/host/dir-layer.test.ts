// DirLayer behaviour beyond the conformance checker: the aufs walk-through on real
// directories, overlayfs-format whiteouts, copy-up paths, ids, the work directory,
// read-only layers. Runs in Node (node:fs HostFs) and in Deno (Deno HostFs).
import { execFileSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { layerProblems } from "../../src/testing/mod.ts";
import { Errno } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import { isWritableLayer } from "../../src/core/layer.ts";
import { Union } from "../../src/core/union.ts";
import { dirLayer as denoDirLayer } from "../../src/host/deno.ts";
import { FaultFs } from "../../src/host/fault-fs.ts";
import { dirLayer as nodeDirLayer } from "../../src/host/node.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { skipReason, thrownErrno } from "../support/index.ts";
import { cleanup, counted, fsForSetup as fs, hostFs, IN_DENO, listTree, makeTree, snapshot, tempDir } from "./helpers.ts";

const bases: string[] = [];
afterAll(() => bases.forEach(cleanup));

function base(onDisk = false): string {
  const b = tempDir("layerfs-host-", !onDisk);
  bases.push(b);
  return b;
}


/** mknod as root; undefined when not allowed here. */
function mknod(path: string, major: number, minor: number): boolean {
  try {
    execFileSync("mknod", [path, "c", String(major), String(minor)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const canMknod = (() => {
  const b = base();
  return mknod(`${b}/probe`, 0, 0);
})();

const RUNTIME = IN_DENO ? "Deno" : "Node";

describe(`DirLayer on host directories (${RUNTIME} HostFs)`, () => {
  it("replays the aufs walk-through: copy-up lands in aaa/, rm leaves aaa/.wh.file3, bbb/ is untouched", () => {
    const b = base();
    makeTree(`${b}/bbb`, { "file2": "bbb file2\n", "file3": "bbb file3\n" });
    makeTree(`${b}/aaa`, { "file1": "aaa file1\n", "file2": "aaa file2\n" });
    const bbbBefore = snapshot(`${b}/bbb`);
    const dirLayer = IN_DENO ? denoDirLayer : nodeDirLayer;
    const u = new Union(new Image([dirLayer(`${b}/bbb`)]), dirLayer(`${b}/aaa`, { writable: true }));
    expect(u.readdir("/").sort()).toEqual(["file1", "file2", "file3"]);
    expect(u.readFile("/file2", "utf8")).toBe("aaa file2\n");
    const f = u.open("/file3", { write: true });
    f.write(new TextEncoder().encode("AAA"), 0);
    f.close();
    expect(fs.readFileSync(`${b}/aaa/file3`, "utf8")).toBe("AAA file3\n");
    u.unlink("/file3");
    expect(fs.readdirSync(`${b}/aaa`).sort()).toEqual([".wh.file3", "file1", "file2"]);
    expect(fs.statSync(`${b}/aaa/.wh.file3`).size).toBe(0);
    expect(u.readdir("/").sort()).toEqual(["file1", "file2"]);
    expect(snapshot(`${b}/bbb`)).toEqual(bbbBefore);
    // The default work directory is a hidden sibling, never inside the layer.
    expect(fs.existsSync(`${b}/.aaa.layerfs-work`)).toBe(true);
    expect(listTree(`${b}/aaa`).some((n) => n.includes("tmp"))).toBe(false);
  });

  it("O_TRUNC on a lower file copies it up without copying its data", () => {
    const b = base();
    makeTree(`${b}/lower`, { "big.bin": new Uint8Array(1 << 20).fill(9) });
    fs.chmodSync(`${b}/lower/big.bin`, 0o640);
    makeTree(`${b}/upper`, {});
    const host = new FaultFs(hostFs());
    const u = new Union(new Image([new DirLayer(hostFs(), `${b}/lower`)]), new DirLayer(host, `${b}/upper`, { writable: true }));
    u.open("/big.bin", { write: true, truncate: true }).close();
    expect(host.log.filter((c) => c === "copyFile" || c === "pwrite")).toEqual([]);
    expect(fs.statSync(`${b}/upper/big.bin`).size).toBe(0);
    expect(fs.statSync(`${b}/upper/big.bin`).mode & 0o7777).toBe(0o640);
    expect(fs.statSync(`${b}/lower/big.bin`).size).toBe(1 << 20);
  });

  it("releaseWorkDir removes an empty work directory, keeps a non-empty one, and the layer stays usable", () => {
    const b = base();
    makeTree(`${b}/up`, { "f": "f\n" });
    const upper = new DirLayer(hostFs(), `${b}/up`, { writable: true });
    upper.createFileFrom("g", upper.open("f"), { mode: 0o644 }); // a copy is staged in the work directory
    expect(fs.existsSync(upper.workDir!)).toBe(true);
    upper.releaseWorkDir();
    expect(fs.existsSync(upper.workDir!)).toBe(false);
    upper.createFileFrom("h", upper.open("g"), { mode: 0o644 }); // staged in a new work directory
    expect(fs.readFileSync(`${b}/up/h`, "utf8")).toBe("f\n");
    fs.writeFileSync(`${upper.workDir!}/junk`, "x");
    upper.releaseWorkDir();
    expect(fs.readdirSync(upper.workDir!)).toEqual(["junk"]);
  });

  it("a read-only DirLayer is not writable and refuses every mutation with EROFS", () => {
    const b = base();
    makeTree(`${b}/l`, { "f": "x", "d/": "" });
    const l = new DirLayer(hostFs(), `${b}/l`) as unknown as DirLayer<true>;
    expect(isWritableLayer(l)).toBe(false);
    const before = snapshot(`${b}/l`);
    expect(thrownErrno(() => l.createFile("g", { mode: 0o644 }))).toBe(Errno.ROFS);
    expect(thrownErrno(() => l.mkdir("e", { mode: 0o755 }))).toBe(Errno.ROFS);
    expect(thrownErrno(() => l.unlink("f"))).toBe(Errno.ROFS);
    expect(thrownErrno(() => l.rmdir("d"))).toBe(Errno.ROFS);
    expect(thrownErrno(() => l.rename("f", "g"))).toBe(Errno.ROFS);
    expect(thrownErrno(() => l.setattr("f", { mode: 0o600 }))).toBe(Errno.ROFS);
    expect(thrownErrno(() => l.openWrite("f"))).toBe(Errno.ROFS);
    expect(thrownErrno(() => l.symlink("s", "f"))).toBe(Errno.ROFS);
    expect(thrownErrno(() => l.link("f", "h"))).toBe(Errno.ROFS);
    expect(thrownErrno(() => l.removeTree("d"))).toBe(Errno.ROFS);
    expect(snapshot(`${b}/l`)).toEqual(before);
    expect(fs.readdirSync(b)).toEqual(["l"]); // no work directory for a read-only layer
  });

  it("gives hard-link aliases one id and every other object its own, stable across calls", () => {
    const b = base();
    makeTree(`${b}/l`, { "a": "same", "c": "other", "d/": "" });
    fs.linkSync(`${b}/l/a`, `${b}/l/d/b`);
    const l = new DirLayer(hostFs(), `${b}/l`);
    const ids = ["", "a", "d/b", "c", "d"].map((p) => l.stat(p)!.id);
    expect(ids[1]).toBe(ids[2]);
    expect(new Set(ids).size).toBe(4);
    expect(ids.every((id) => id >= 1 && id < 2 ** 32)).toBe(true);
    expect(l.stat("d/b")!.nlink).toBe(2);
    expect(["", "a", "d/b", "c", "d"].map((p) => l.stat(p)!.id)).toEqual(ids);
    const f = l.open("a");
    expect(f.stat().id).toBe(ids[1]);
    f.close();
  });

  it("copies up a DirLayer file with the host's copy (a clone first where the host can: cloneFile) and keeps mode, owner and times", () => {
    const b = base(true);
    makeTree(`${b}/lower`, { "bin/tool": { mode: 0o751, data: "#!tool\n".repeat(1000) } });
    makeTree(`${b}/upper`, { "bin/": "" });
    const faulty = new FaultFs(hostFs());
    const lower = new DirLayer(hostFs(), `${b}/lower`);
    const upper = new DirLayer(faulty, `${b}/upper`, { writable: true });
    const st = lower.stat("bin/tool")!;
    const src = lower.open("bin/tool");
    upper.createFileFrom("bin/tool", src, { mode: st.mode, uid: st.uid, gid: st.gid, atimeNs: st.atimeNs, mtimeNs: st.mtimeNs });
    src.close();
    expect(faulty.log).toContain("copyFile");
    expect(faulty.log).not.toContain("pwrite");
    const up = upper.stat("bin/tool")!;
    expect(up.mode).toBe(0o751);
    expect([up.uid, up.gid]).toEqual([st.uid, st.gid]);
    expect(up.size).toBe(st.size);
    // ms-aligned times survive exactly everywhere; hosts keep at least ms precision.
    expect(up.mtimeNs / 1_000_000n).toBe(st.mtimeNs / 1_000_000n);
    expect(fs.readFileSync(`${b}/upper/bin/tool`, "utf8")).toBe("#!tool\n".repeat(1000));
    expect(upper.stat("bin/tool")!.id).not.toBe(undefined);
  });

  it("asks the host for a clone once per source device, and fsyncs a real copy, not a clone", () => {
    const b = base(); // tmpfs where there is one: no reflink
    makeTree(`${b}/lower`, { "a": "alpha\n", "b": "bravo\n" });
    makeTree(`${b}/upper`, {});
    const faulty = new FaultFs(hostFs());
    const lower = new DirLayer(hostFs(), `${b}/lower`);
    const upper = new DirLayer(faulty, `${b}/upper`, { writable: true });
    const copyUp = (name: string): string[] => {
      faulty.log.length = 0;
      const src = lower.open(name);
      try { upper.createFileFrom(name, src, { mode: 0o644 }); } finally { src.close(); }
      return faulty.log.filter((c) => c === "cloneFile" || c === "copyFile" || c === "fsync");
    };
    const first = copyUp("a");
    if (hostFs().cloneFile === undefined) { // DenoFs: Deno has no clone-only call (its copy may still clone: reflink.test.ts)
      expect(first).toEqual(["copyFile", "fsync"]);
      expect(copyUp("b")).toEqual(["copyFile", "fsync"]);
    } else if (first.includes("copyFile")) { // no reflink here: one failed attempt, then copies
      expect(first).toEqual(["cloneFile", "copyFile", "fsync"]);
      expect(copyUp("b")).toEqual(["copyFile", "fsync"]);
    } else { // a reflink filesystem
      expect(first).toEqual(["cloneFile"]);
      expect(copyUp("b")).toEqual(["cloneFile"]);
    }
    expect(fs.readFileSync(`${b}/upper/a`, "utf8")).toBe("alpha\n");
    expect(fs.readFileSync(`${b}/upper/b`, "utf8")).toBe("bravo\n");
    upper.close();
    lower.close();
  });

  it("streams a copy-up from a non-host layer through the work directory", () => {
    const b = base();
    makeTree(`${b}/upper`, {});
    const data = new Uint8Array(700_000).map((_, i) => i % 251);
    const mem = MemoryLayer.from({ "f": data });
    const faulty = new FaultFs(hostFs());
    const upper = new DirLayer(faulty, `${b}/upper`, { writable: true });
    const src = mem.open("f");
    upper.createFileFrom("f", src, { mode: 0o600, mtimeNs: 1_234_000_000_000_000_000n });
    src.close();
    expect(faulty.log).not.toContain("copyFile");
    expect(faulty.log.filter((c) => c === "pwrite").length).toBeGreaterThan(1);
    expect(new Uint8Array(fs.readFileSync(`${b}/upper/f`))).toEqual(data);
    expect(upper.stat("f")!.mtimeNs).toBe(1_234_000_000_000_000_000n);
    expect(fs.readdirSync(upper.workDir!)).toEqual([]);
  });

  it("uses an explicit work directory and refuses one on another filesystem with EXDEV", () => {
    const b = base(true);
    makeTree(`${b}/upper`, {});
    makeTree(`${b}/work`, {});
    const upper = new DirLayer(hostFs(), `${b}/upper`, { writable: true, workDir: `${b}/work` });
    upper.createFile("x", { mode: 0o644 });
    expect(upper.workDir).toBe(`${b}/work`);
    expect(fs.existsSync(`${b}/.upper.layerfs-work`)).toBe(false);
    upper.close();
    const shm = "/dev/shm";
    let otherFs: string | undefined;
    try {
      if (fs.statSync(shm).dev !== fs.statSync(b).dev) otherFs = fs.mkdtempSync(`${shm}/layerfs-`);
    } catch { /* no /dev/shm */ }
    if (otherFs) {
      try {
        const far = new DirLayer(hostFs(), `${b}/upper`, { writable: true, workDir: otherFs });
        expect(thrownErrno(() => far.createFile("y", { mode: 0o644 }))).toBe(Errno.XDEV);
        expect(fs.existsSync(`${b}/upper/y`)).toBe(false);
      } finally {
        cleanup(otherFs);
      }
    }
  });

  it("a directory walked through keeps no stale attributes: stat of it, of d/. and of d/x/.. match the host after changes inside", () => {
    const b = base();
    makeTree(`${b}/lower`, { "d/old": "o" });
    makeTree(`${b}/upper`, {});
    const lower = new DirLayer(hostFs(), `${b}/lower`);
    const upper = new DirLayer(hostFs(), `${b}/upper`, { writable: true });
    const u = new Union(new Image([lower]), upper);
    u.mkdir("/d/x");
    // What the host says now, through a fresh layer (nothing cached; same HostFs, so the same time precision).
    const host = () => {
      const view = new DirLayer(hostFs(), `${b}/upper`);
      try { return view.stat("d")!; } finally { view.close(); }
    };
    for (let i = 0; i < 3; i++) {
      u.writeFile(`/d/f${i}`, "data"); // walks through d (cached), then changes it
      u.utimes("/d", 1000 + i, 2000 + i);
      u.writeFile(`/d/x/g${i}`, "more"); // walks through d and d/x: d's times stay as set
      u.unlink(`/d/f${i}`);
      u.mkdir(`/d/sub${i}`); // d's link count grows
      for (const p of ["/d/.", "/d/x/..", "/d/x/../.", "/d"]) {
        u.stat("/d"); // d's stat is cached ...
        u.mkdir(`/d/${p.length}-${i}`); // ... and changes while a traversal cache keeps it
        const st = u.stat(p);
        const h = host();
        expect([p, st.mtimeNs, st.ctimeNs, st.nlink, st.size]).toEqual([p, h.mtimeNs, h.ctimeNs, h.nlink, h.size]);
      }
      u.chmod("/d/x", 0o700 + i); // a change of the walked-through directory itself
      expect(u.stat("/d/x/.").mode & 0o7777).toBe(0o700 + i);
      expect(u.readdir("/d").includes(`sub${i}`)).toBe(true);
    }
    u.close();
    lower.close();
  });

  it("removeTree takes a tree out of sight in one rename and does not follow symlinks inside it", () => {
    const b = base();
    makeTree(`${b}/outside`, { "keep.txt": "keep" });
    makeTree(`${b}/upper`, { "t/a/b/c.txt": "c", "t/link": { symlink: `${b}/outside` }, "t/rel": { symlink: "../../outside/keep.txt" } });
    const before = snapshot(`${b}/outside`);
    const upper = new DirLayer(hostFs(), `${b}/upper`, { writable: true });
    upper.removeTree("t");
    expect(fs.readdirSync(`${b}/upper`)).toEqual([]);
    expect(snapshot(`${b}/outside`)).toEqual(before);
    expect(fs.readdirSync(upper.workDir!)).toEqual([]);
  });
});

describe.skipIf(skipReason(canMknod ? undefined : "mknod of a char device 0:0 is not allowed here (needs root)"))(
  `overlayfs-format lowers (${RUNTIME} HostFs)`,
  () => {
    function overlayLayer(): string {
      const b = base();
      makeTree(`${b}/ovl`, { "keep": "keep", "dir/inner": "i" });
      mknod(`${b}/ovl/gone`, 0, 0);
      mknod(`${b}/ovl/dir/gone2`, 0, 0);
      mknod(`${b}/ovl/null`, 1, 3); // a real device: not shown at all
      return `${b}/ovl`;
    }

    it("reads a char device 0:0 named X as an empty whiteout file .wh.X and hides other devices", () => {
      const l = new DirLayer(hostFs(), overlayLayer());
      expect(l.readdir("").sort()).toEqual([".wh.gone", "dir", "keep"]);
      expect(l.readdir("dir").sort()).toEqual([".wh.gone2", "inner"]);
      expect(l.stat("gone")).toBeUndefined();
      expect(l.stat("null")).toBeUndefined();
      const wh = l.stat(".wh.gone")!;
      expect([wh.type, wh.size]).toEqual(["file", 0]);
      const f = l.open(".wh.gone");
      expect(f.read(new Uint8Array(8), 0)).toBe(0);
      f.close();
      expect(layerProblems(l, { expected: [".wh.gone", "dir/.wh.gone2", "keep"] })).toEqual([]);
    });

    it("a union hides the lower names an overlayfs-format layer whites out", () => {
      const b = base();
      makeTree(`${b}/bottom`, { "gone": "old", "keep": "old keep", "dir/gone2": "old2", "dir/stays": "s" });
      const u = new Union(
        new Image([new DirLayer(hostFs(), `${b}/bottom`), new DirLayer(hostFs(), overlayLayer())]),
        new DirLayer(hostFs(), (makeTree(`${b}/up`, {}), `${b}/up`), { writable: true }),
      );
      expect(u.readdir("/").sort()).toEqual(["dir", "keep"]);
      expect(u.readdir("/dir").sort()).toEqual(["inner", "stays"]);
      expect(thrownErrno(() => u.readFile("/gone"))).toBe(Errno.NOENT);
    });

    it("a writable upper in overlayfs format: creating over a char-device whiteout removes it", () => {
      const b = base();
      makeTree(`${b}/bottom`, { "gone": "old" });
      makeTree(`${b}/up`, {});
      mknod(`${b}/up/gone`, 0, 0);
      const u = new Union(new Image([new DirLayer(hostFs(), `${b}/bottom`)]), new DirLayer(hostFs(), `${b}/up`, { writable: true }));
      expect(u.readdir("/")).toEqual([]);
      u.writeFile("/gone", "new");
      expect(u.readFile("/gone", "utf8")).toBe("new");
      expect(fs.readFileSync(`${b}/up/gone`, "utf8")).toBe("new");
    });

    it("a writable layer's listing of a directory with a char-device whiteout still shows .wh.X, and a plain listing still answers absent names", () => {
      const b = base();
      makeTree(`${b}/up`, { "plain/keep": "k" });
      mknod(`${b}/up/gone`, 0, 0);
      const { host, take } = counted(hostFs());
      const up = new DirLayer(host, `${b}/up`, { writable: true });
      // Both directories listed: the layer keeps their complete listings.
      expect(up.readdir("").sort()).toEqual([".wh.gone", "plain"]);
      expect(up.readdir("plain")).toEqual(["keep"]);
      // `.wh.gone` is not a host name of the listing, but it stands for the char device `gone`.
      expect(up.stat(".wh.gone")?.type).toBe("file");
      expect(up.stat(".wh.other")).toBeUndefined();
      // A listing without char devices: a `.wh.X` absent from it is absent, with no host call.
      take();
      expect(up.stat("plain/.wh.keep")).toBeUndefined();
      expect(up.stat("plain/.wh.other")).toBeUndefined();
      expect(take()).toEqual({});
    });
  },
);

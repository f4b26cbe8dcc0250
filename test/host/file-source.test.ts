// FileSource (pread over node:fs in Node, Deno FsFile in Deno) and TarLayer over
// archives written by GNU tar (gnu and pax formats), compared with the
// extracted-by-the-kernel view of the same tree through a DirLayer.
import { execFileSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { layerProblems } from "../../src/testing/mod.ts";
import type { Layer } from "../../src/core/layer.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import * as denoEntry from "../../src/host/deno.ts";
import * as nodeEntry from "../../src/host/node.ts";
import { isFsError, isTarError } from "../../src/mod.ts";
import { layerFileBytes, layerListing } from "../support/trees.ts";
import { cleanup, fsForSetup as fs, hostFs, IN_DENO, makeTree, tempDir } from "./helpers.ts";

const entry = IN_DENO ? denoEntry : nodeEntry;
const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

const hasTar = (() => {
  try {
    return /GNU tar/.test(execFileSync("tar", ["--version"], { encoding: "utf8" }));
  } catch {
    return false;
  }
})();

const hasPython = (() => {
  try {
    execFileSync("python3", ["-c", "import tarfile"]);
    return true;
  } catch {
    return false;
  }
})();

function tree(): string {
  const base = tempDir("layerfs-tarsrc-");
  dirs.push(base);
  makeTree(`${base}/t`, {
    "etc/hostname": "box\n",
    "bin/sh": { mode: 0o755, data: "#!wasm" },
    "big.bin": new Uint8Array(300_000).map((_, i) => (i * 13) & 0xff),
    "empty": "",
    [("dir/".repeat(40)) + "deep.txt"]: "deep",
    ["n".repeat(180)]: "long name",
    "lnk": { symlink: "etc/hostname" },
    "abs": { symlink: "/" + "x".repeat(150) },
    "gone/.wh.x": "",
    "opq/.wh..wh..opq": "",
    "empty-dir/": "",
  });
  fs.linkSync(`${base}/t/etc/hostname`, `${base}/t/hard`);
  return base;
}

/** type, mode, size, content and link target of every entry, sorted (ids and times differ by design). */
function listing(layer: Layer): string[] {
  return layerListing(layer, (p, st) => {
    let extra = "";
    if (st.type === "symlink") extra = layer.readlink(p);
    else if (st.type === "file") {
      let h = 0;
      for (const b of layerFileBytes(layer, p, st.size)) h = (h * 31 + b) >>> 0;
      extra = `#${h}`;
    }
    return `${p} ${st.type} ${st.mode.toString(8)} ${st.type === "dir" ? "" : st.size} nlink=${st.type === "dir" ? "" : st.nlink} ${extra}`;
  });
}

describe(`FileSource and TarLayer over host files (${IN_DENO ? "Deno" : "Node"})`, () => {
  it("fileSource reads with pread: sizes, short reads at EOF, errors", () => {
    const base = tempDir("layerfs-fsrc-");
    dirs.push(base);
    const bytes = new Uint8Array(10_000).map((_, i) => i & 0xff);
    fs.writeFileSync(`${base}/f`, bytes);
    const src = entry.fileSource(`${base}/f`);
    expect(src.size).toBe(10_000);
    const buf = new Uint8Array(100);
    expect(src.read(buf, 9_950)).toBe(50);
    expect([...buf.subarray(0, 50)]).toEqual([...bytes.subarray(9_950)]);
    expect(src.read(buf, 10_000)).toBe(0);
    expect(src.read(buf, 20_000)).toBe(0);
    expect(src.read(buf, 256)).toBe(100);
    expect(buf[0]).toBe(0);
    expect(() => src.read(buf, -1)).toThrow(/EINVAL/);
    src.close();
    expect(() => src.read(buf, 0)).toThrow(/EBADF/);
    src.close(); // twice is harmless
    const missing = (() => { try { entry.fileSource(`${base}/nope`); } catch (e) { return e; } })();
    expect(isFsError(missing) && missing.code).toBe("ENOENT");
    const dir = (() => { try { entry.fileSource(base); } catch (e) { return e; } })();
    expect(isFsError(dir) && dir.code).toBe("EISDIR");
  });

  for (const format of ["gnu", "pax"]) {
    it.skipIf(!hasTar)(`a TarLayer over a GNU tar --format=${format} archive shows the tree the archive holds`, () => {
      if (!hasTar) console.log("skipped: GNU tar not on PATH");
      const base = tree();
      execFileSync("tar", [`--format=${format}`, "-cf", `${base}/layer.tar`, "-C", `${base}/t`, "."]);
      const layer = entry.tarLayer(`${base}/layer.tar`);
      try {
        expect(layerProblems(layer, { expected: ["etc/hostname", "hard", "lnk", "gone/.wh.x", "opq/.wh..wh..opq", "empty-dir/"] })).toEqual([]);
        const dirView = new DirLayer(hostFs(), `${base}/t`);
        expect(listing(layer)).toEqual(listing(dirView));
        expect(layer.stat("hard")!.id).toBe(layer.stat("etc/hostname")!.id);
        expect(layer.open("big.bin").view()).toBeUndefined(); // a file source: preads, no views
      } finally {
        layer.close();
      }
    });
  }

  it.skipIf(!hasPython)("a TarLayer over Python tarfile archives (pax with binary xattrs, gnu with devices)", () => {
    if (!hasPython) console.log("skipped: python3 not on PATH");
    const base = tempDir("layerfs-pytar-");
    dirs.push(base);
    // Python's tarfile writes device nodes and xattr records without root, unlike GNU tar.
    const script = `
import io, sys, tarfile
def add(t, name, kind=tarfile.REGTYPE, data=b"", **kw):
    ti = tarfile.TarInfo(name); ti.type = kind; ti.size = len(data); ti.mtime = 1700000000
    for k, v in kw.items(): setattr(ti, k, v)
    t.addfile(ti, io.BytesIO(data) if data else None)
for fmt, out in ((tarfile.PAX_FORMAT, "pax.tar"), (tarfile.GNU_FORMAT, "gnu.tar")):
    with tarfile.open(sys.argv[1] + "/" + out, "w", format=fmt) as t:
        cap = bytes([1, 0, 0, 2, 255, 32]).decode("utf-8", "surrogateescape")  # raw bytes: hdrcharset=BINARY
        add(t, "bin/ping", data=b"wasm!", mode=0o4755,
            pax_headers={"SCHILY.xattr.security.capability": cap} if fmt == tarfile.PAX_FORMAT else {})
        add(t, "dev/null", tarfile.CHRTYPE, mode=0o666, devmajor=1, devminor=3)
        add(t, "dev/sda", tarfile.BLKTYPE, mode=0o660, devmajor=8, devminor=0)
        add(t, "run/initctl", tarfile.FIFOTYPE, mode=0o600)
        add(t, "l/" + "long-" * 40 + "name", data=b"long")
        add(t, "l/link", tarfile.SYMTYPE, linkname="target-" * 30)
        add(t, "l/hard", tarfile.LNKTYPE, linkname="l/" + "long-" * 40 + "name")
        add(t, "big-uid", data=b"u", uid=3000000000, gid=70000)
`;
    execFileSync("python3", ["-c", script, base]);
    for (const name of ["pax.tar", "gnu.tar"]) {
      const layer = entry.tarLayer(`${base}/${name}`);
      try {
        expect(layerProblems(layer), name).toEqual([]);
        expect(layer.stat("bin/ping"), name).toMatchObject({ type: "file", mode: 0o4755, size: 5 });
        expect(layer.stat("dev/null"), name).toMatchObject({ type: "file", mode: 0o666, size: 0 });
        expect(layer.stat("run/initctl"), name).toMatchObject({ type: "file", size: 0 });
        expect(layer.index.devices, name).toBe(3);
        expect(layer.readlink("l/link"), name).toBe("target-".repeat(30));
        expect(layer.stat("l/hard")!.id, name).toBe(layer.stat("l/" + "long-".repeat(40) + "name")!.id);
        expect(layer.stat("big-uid"), name).toMatchObject({ uid: 3000000000, gid: 70000 });
      } finally {
        layer.close();
      }
    }
  });

  it("tarLayer names the file in a TarError", () => {
    const base = tempDir("layerfs-badtar-");
    dirs.push(base);
    fs.writeFileSync(`${base}/bad.tar`, new Uint8Array(1024).fill(7));
    let err: unknown;
    try {
      entry.tarLayer(`${base}/bad.tar`);
    } catch (e) {
      err = e;
    }
    expect(isTarError(err)).toBe(true);
    expect((err as Error).message).toBe(`${base}/bad.tar: header checksum mismatch (not a tar archive, or corrupt) at offset 0 (entry "${"?".repeat(100)}")`);
  });
});

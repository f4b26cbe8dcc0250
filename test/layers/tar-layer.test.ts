// TarLayer over tars written by modern-tar (ustar + PAX) and by the raw test
// writer (GNU long names, base-256 sizes, PAX records): checkLayer, formats,
// hard links, later-wins, devices, zero-copy views. Portable: all runtimes.
import { describe, expect, it } from "vitest";
import { packTar } from "modern-tar";
import type { TarHeader } from "modern-tar";
import { layerProblems } from "../../src/testing/mod.ts";
import { indexTar, MemorySource, TarLayer } from "../../src/mod.ts";
import type { ByteSource } from "../../src/mod.ts";
import { skipReason } from "../support/skip.ts";
import { base256, gnuLong, paxEntry, rawEntry, tar } from "./tar-builder.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const LONG = "very/".repeat(30) + "long-name.txt"; // 163 bytes: PAX path (modern-tar) / GNU L (raw)

function readAll(layer: TarLayer, path: string): string {
  const f = layer.open(path);
  const out = new Uint8Array(f.stat().size);
  expect(f.read(out, 0)).toBe(out.length);
  f.close();
  return text(out);
}

async function modernTar(): Promise<Uint8Array> {
  const mtime = new Date(1_700_000_000_000);
  const e = (header: Partial<TarHeader> & { name: string }, body?: string | Uint8Array) => ({
    header: { size: typeof body === "string" ? new TextEncoder().encode(body).length : (body?.length ?? 0), mtime, ...header } as TarHeader,
    body,
  });
  return packTar([
    e({ name: "etc/", type: "directory", mode: 0o755 }),
    e({ name: "etc/hostname", mode: 0o644, uid: 1000, gid: 100 }, "box\n"),
    e({ name: "bin/sh", mode: 0o755 }, "#!wasm"),
    e({ name: "big.bin" }, new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff)),
    e({ name: "empty" }, ""),
    e({ name: "lnk", type: "symlink", linkname: "etc/hostname" }),
    e({ name: "abs", type: "symlink", linkname: "/etc/passwd" }),
    e({ name: "hard", type: "link", linkname: "etc/hostname" }),
    e({ name: "gone/.wh.x" }, ""),
    e({ name: "opq/.wh..wh..opq" }, ""),
    e({ name: "deep/a/b/c/d.txt" }, "deep"),
    e({ name: LONG }, "long"),
    e({ name: "ünï/cödé.txt" }, "utf8"),
  ]);
}

describe("TarLayer", () => {
  it("a TarLayer over a modern-tar archive passes checkLayer", async () => {
    const layer = TarLayer.fromBytes(await modernTar());
    expect(layerProblems(layer, {
      expected: ["etc/", "etc/hostname", "bin/sh", "big.bin", "lnk", "abs", "hard", "gone/.wh.x", "opq/.wh..wh..opq", "deep/a/b/c/", "deep/a/b/c/d.txt", LONG, "ünï/cödé.txt"],
    })).toEqual([]);
    expect(readAll(layer, LONG)).toBe("long");
    expect(readAll(layer, "ünï/cödé.txt")).toBe("utf8");
    expect(layer.readlink("abs")).toBe("/etc/passwd");
    expect(layer.readdir("gone")).toEqual([".wh.x"]);
  });

  it("stat reports the header's attributes; hard links share id and nlink", async () => {
    const layer = TarLayer.fromBytes(await modernTar());
    const st = layer.stat("etc/hostname")!;
    expect(st).toMatchObject({ type: "file", mode: 0o644, uid: 1000, gid: 100, size: 4, nlink: 2, mtimeNs: 1_700_000_000_000_000_000n });
    expect(layer.stat("hard")!.id).toBe(st.id);
    expect(layer.stat("lnk")).toMatchObject({ type: "symlink", size: "etc/hostname".length, nlink: 1 });
    // Implied parents: directories 0755 owned by root.
    expect(layer.stat("deep/a")).toMatchObject({ type: "dir", mode: 0o755, uid: 0, gid: 0 });
    expect(layer.stat("")!.type).toBe("dir");
    expect(layer.stat("etc")!.nlink).toBe(2);
    expect(layer.stat("deep")!.nlink).toBe(3);
  });

  it("file reads are zero-copy views of the source when it is in memory", async () => {
    const bytes = await modernTar();
    const layer = TarLayer.fromBytes(bytes);
    const f = layer.open("big.bin");
    const v = f.view(10, 100)!;
    expect(v.buffer).toBe(bytes.buffer);
    expect(v[0]).toBe((10 * 7) & 0xff);
    expect(f.view(199_990)!.length).toBe(10);
  });

  it("reads through a non-memory source use pread (no view), with the same bytes", async () => {
    const bytes = await modernTar();
    let reads = 0;
    const source: ByteSource = {
      size: bytes.length,
      read(into, pos) {
        reads++;
        const n = Math.max(0, Math.min(into.length, bytes.length - pos));
        into.set(bytes.subarray(pos, pos + n));
        return n;
      },
    };
    const layer = new TarLayer(source, { name: "pread" });
    // 14 headers in a 200 KB archive: the read-ahead window serves several headers per read.
    expect(reads).toBeGreaterThan(0);
    expect(reads).toBeLessThan(layer.index.headers);
    reads = 0;
    expect(layer.open("big.bin").view()).toBeUndefined();
    expect(readAll(layer, "etc/hostname")).toBe("box\n");
    expect(reads).toBe(1);
    expect(layerProblems(layer)).toEqual([]);
  });

  it("the read-ahead window gives the same index as views, across window boundaries", () => {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 600; i++) {
      const name = `d${i % 7}/` + "n".repeat(90 + (i % 40)) + i; // > 100 bytes: a PAX header before every entry
      parts.push(paxEntry({ path: name }), rawEntry({ name: "x", data: "c".repeat((i * 397) % 3000) + i }));
    }
    const bytes = tar(...parts);
    const memory = TarLayer.fromBytes(bytes);
    const src = new MemorySource(bytes);
    const pread = new TarLayer({ size: src.size, read: (into, pos) => src.read(into, pos) });
    expect(pread.index.entries).toBe(608);
    for (let d = 0; d < 7; d++) {
      const names = memory.readdir(`d${d}`).sort();
      expect(pread.readdir(`d${d}`).sort()).toEqual(names);
      for (const n of names) expect(readAll(pread, `d${d}/${n}`)).toBe(readAll(memory, `d${d}/${n}`));
    }
  });

  it.skipIf(skipReason(typeof SharedArrayBuffer === "undefined" && "no SharedArrayBuffer here (a page that is not cross-origin isolated)"))("reads over a SharedArrayBuffer-backed MemorySource", async () => {
    const bytes = await modernTar();
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
    shared.set(bytes);
    const layer = new TarLayer(new MemorySource(shared));
    expect(readAll(layer, "bin/sh")).toBe("#!wasm");
  });

  it("GNU long names and long links, base-256 sizes, PAX path/linkpath/mtime/uid", () => {
    const longLink = "target/".repeat(20) + "t";
    const bytes = tar(
      gnuLong("L", LONG),
      rawEntry({ name: "ignored", data: "gnu-long", magic: "gnu" }),
      rawEntry({ name: longLink, type: "0", data: "x", prefix: "" }),
      gnuLong("K", "very/".repeat(30) + "long-name.txt"),
      gnuLong("L", "hl-" + "z".repeat(120)),
      rawEntry({ name: "ignored", type: "1", magic: "gnu" }),
      rawEntry({ name: "b256", size: base256(5n), data: "12345", magic: "gnu" }),
      paxEntry({ path: "pax/ñame", mtime: "1700000000.123456789", atime: "1600000000.5", uid: "4294967295", gid: "70000", uname: "who", "SCHILY.xattr.user.x": "y", "unknown.key": "z" }),
      rawEntry({ name: "short", data: "pax" }),
      paxEntry({ linkpath: "pax/" + "ñ".repeat(60) }),
      rawEntry({ name: "slink", type: "2", linkname: "short-ignored" }),
      rawEntry({ name: "p", prefix: "ustar/prefix", data: "pre" }),
    );
    const layer = TarLayer.fromBytes(bytes);
    expect(readAll(layer, LONG)).toBe("gnu-long");
    expect(layer.stat("hl-" + "z".repeat(120))!.id).toBe(layer.stat(LONG)!.id);
    expect(layer.stat(LONG)!.nlink).toBe(2);
    expect(readAll(layer, "b256")).toBe("12345");
    expect(layer.stat("pax/ñame")).toMatchObject({ uid: 4294967295, gid: 70000, mtimeNs: 1_700_000_000_123_456_789n, atimeNs: 1_600_000_000_500_000_000n });
    expect(layer.readlink("slink")).toBe("pax/" + "ñ".repeat(60));
    expect(layer.stat("slink")!.size).toBe(4 + 120);
    expect(readAll(layer, "ustar/prefix/p")).toBe("pre");
    expect(layerProblems(layer)).toEqual([]);
  });

  it("global PAX headers set attributes of every later entry (not path or size); a local record overrides them", () => {
    const layer = TarLayer.fromBytes(tar(
      paxEntry({ mtime: "1234567890", uid: "7", path: "everything", size: "100000" }, true),
      rawEntry({ name: "a", data: "1" }),
      paxEntry({ uid: "8" }),
      rawEntry({ name: "b", data: "2" }),
      paxEntry({ uid: "" }, true), // an empty value removes the global record
      rawEntry({ name: "c", data: "3", uid: 9 }),
    ));
    expect(layer.stat("a")).toMatchObject({ uid: 7, size: 1, mtimeNs: 1_234_567_890_000_000_000n });
    expect(layer.stat("b")).toMatchObject({ uid: 8, mtimeNs: 1_234_567_890_000_000_000n });
    expect(layer.stat("c")).toMatchObject({ uid: 9, mtimeNs: 1_234_567_890_000_000_000n });
    expect(layer.readdir("").sort()).toEqual(["a", "b", "c"]); // a global path or size applies to no entry
  });

  it("later entries win, as in extraction", () => {
    const layer = TarLayer.fromBytes(tar(
      rawEntry({ name: "f", data: "old" }),
      rawEntry({ name: "f", data: "new" }),
      rawEntry({ name: "d/", type: "5", mode: 0o700 }),
      rawEntry({ name: "d/kept", data: "k" }),
      rawEntry({ name: "d", type: "5", mode: 0o750 }), // dir over dir: attrs updated, children kept
      rawEntry({ name: "x/sub/file", data: "gone" }),
      rawEntry({ name: "x", data: "file now" }), // file over dir: the subtree goes
      rawEntry({ name: "y", data: "file" }),
      rawEntry({ name: "y", type: "5" }), // dir over file
      rawEntry({ name: "s", type: "2", linkname: "f" }),
      rawEntry({ name: "s", data: "not a link" }),
      rawEntry({ name: "keep", data: "kept content" }),
      rawEntry({ name: "alias", type: "1", linkname: "keep" }),
      rawEntry({ name: "keep", data: "replaced" }), // the link keeps the old object
    ));
    expect(readAll(layer, "f")).toBe("new");
    expect(layer.stat("d")!.mode).toBe(0o750);
    expect(layer.readdir("d")).toEqual(["kept"]);
    expect(readAll(layer, "x")).toBe("file now");
    expect(layer.stat("x/sub")).toBeUndefined();
    expect(layer.stat("y")!.type).toBe("dir");
    expect(readAll(layer, "s")).toBe("not a link");
    expect(readAll(layer, "alias")).toBe("kept content");
    expect(readAll(layer, "keep")).toBe("replaced");
    expect(layer.stat("alias")!.nlink).toBe(1);
    expect(layer.readdir("").sort()).toEqual(["alias", "d", "f", "keep", "s", "x", "y"]);
    expect(layerProblems(layer)).toEqual([]);
  });

  it("devices and FIFOs are empty regular files with their permission bits", () => {
    const bytes = tar(
      rawEntry({ name: "dev/null", type: "3", mode: 0o666 }),
      rawEntry({ name: "dev/sda", type: "4", mode: 0o660 }),
      rawEntry({ name: "run/fifo", type: "6", mode: 0o600, size: 0 }),
    );
    const index = indexTar(new MemorySource(bytes));
    expect(index.devices).toBe(3);
    const layer = new TarLayer(new MemorySource(bytes), { index });
    expect(layer.stat("dev/null")).toMatchObject({ type: "file", size: 0, mode: 0o666 });
    expect(layer.stat("run/fifo")).toMatchObject({ type: "file", size: 0, mode: 0o600 });
    expect(readAll(layer, "dev/sda")).toBe("");
  });

  it("an empty archive (just the end marker, or no bytes) is an empty root", () => {
    for (const bytes of [new Uint8Array(1024), new Uint8Array(0), new Uint8Array(10240)]) {
      const layer = TarLayer.fromBytes(bytes);
      expect(layer.readdir("")).toEqual([]);
      expect(layerProblems(layer)).toEqual([]);
    }
  });

  it("the index is compact: well under 2% of the tar for typical layers", async () => {
    const bytes = await modernTar();
    const index = indexTar(new MemorySource(bytes));
    expect(index.entries).toBe(52); // the root, 20 entries, 31 components of the long name
    expect(index.memoryBytes() / index.entries).toBeLessThan(200);
  });
});

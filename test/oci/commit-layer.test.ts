// commit(union) and exportTar(): the committed layer, stacked on the image as a
// TarLayer, shows exactly the union's tree; the export alone shows it too. Whiteouts
// and opaque markers are in OCI form, output is deterministic, digests are right.
// Portable (Node, Deno, Chromium).
import { describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { unpackTar } from "modern-tar";
import { TarLayer } from "../../src/mod.ts";
import { commit, commitStream, exportTar } from "../../src/oci/commit-layer.ts";
import { streamBytes } from "../../src/oci/tar-write.ts";
import { mergedTree } from "../support/trees.ts";

/** Entries, in archive order, of a tar: name (no trailing "/") and type. */
async function entries(tar: Uint8Array): Promise<{ name: string; type: string }[]> {
  return (await unpackTar(tar)).map((e) => ({ name: e.header.name.replace(/\/$/, ""), type: e.header.type ?? "file" }));
}
async function names(tar: Uint8Array): Promise<string[]> {
  return (await entries(tar)).map((e) => e.name);
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return "sha256:" + [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const LONG = "d".repeat(120) + "/" + "n".repeat(150);

function changedUnion(): Union {
  const base = MemoryLayer.from({
    "etc/conf": "old", "etc/keep": "k", "bin/tool": { file: "t", mode: 0o755 }, "gone/a": "a", "gone/b/c": "c",
    "opq/x": "x", "opq/y/z": "z", "file-to-dir": "f", "hl/one": "h", "hl/two": { link: "hl/one" },
  }, { timeNs: 1_600_000_000_123_456_789n });
  const union = new Union(new Image([base]), new MemoryLayer());
  union.writeFile("/etc/conf", "new content\n");
  union.unlink("/etc/keep");
  union.unlink("/gone/b/c");
  union.rmdir("/gone/b");
  return union;
}

describe("commit(union)", () => {
  it("stacks on the image to exactly the union's tree (whiteouts, opaque, links, long names, modes)", async () => {
    const base = MemoryLayer.from({
      "etc/conf": "old", "etc/keep": "k", "bin/tool": { file: "t", mode: 0o755 }, "gone/a": "a", "gone/b/c": "c",
      "opq/x": "x", "opq/y/z": "z", "file-to-dir": "f", "hl/one": "h", "hl/two": { link: "hl/one" }, "ghost": "g",
    }, { timeNs: 1_600_000_000_123_456_789n });
    const image = new Image([base]);
    const union = new Union(image, new MemoryLayer());
    union.writeFile("/etc/conf", "new content\n");
    union.unlink("/etc/keep");
    union.unlink("/gone/b/c");
    union.rmdir("/gone/b");
    union.unlink("/gone/a");
    union.rmdir("/gone");
    union.unlink("/opq/x");
    union.unlink("/opq/y/z");
    union.rmdir("/opq/y");
    union.rmdir("/opq");
    union.mkdir("/opq"); // mkdir over a whiteout: opaque
    union.writeFile("/opq/new", "n");
    union.unlink("/file-to-dir");
    union.mkdir("/file-to-dir");
    union.writeFile("/ghost", "g2");
    union.unlink("/ghost"); // upper-only after copy-up: leaves a whiteout of the lower ghost
    union.mkdir("/" + LONG.slice(0, LONG.indexOf("/")), { recursive: true });
    union.writeFile("/" + LONG, "long name");
    union.symlink("../etc/conf", "/bin/conf-link");
    union.writeFile("/bin/a", "hard");
    union.link("/bin/a", "/bin/b");
    union.chmod("/bin/tool", 0o4711);
    union.chown("/etc/conf", 1000, 1001);
    union.utimes("/etc/conf", 1, 1_700_000_000.5);
    union.writeFile("/hl/one", "changed one"); // one alias copied up, the other keeps the old data

    const layer = await commit(union);
    expect(layer.mediaType).toBe("application/vnd.oci.image.layer.v1.tar");
    expect(layer.digest).toBe(layer.diffID);
    expect(layer.digest).toBe(await sha256(layer.bytes));
    expect(layer.size).toBe(layer.bytes.length);

    const restacked = new Union(new Image([base, TarLayer.fromBytes(layer.bytes)]), new MemoryLayer());
    expect(mergedTree(restacked)).toEqual(mergedTree(union));

    const order = await names(layer.bytes);
    // OCI forms: whiteouts, the opaque marker right after its directory, sorted, parents first.
    expect(order).toContain("etc/.wh.keep");
    expect(order).toContain(".wh.gone");
    expect(order).toContain(".wh.ghost");
    expect(order.indexOf("opq/.wh..wh..opq")).toBe(order.indexOf("opq") + 1);
    expect(order.indexOf("file-to-dir/.wh..wh..opq")).toBe(order.indexOf("file-to-dir") + 1);
    expect(order.filter((n) => n.startsWith("gone/"))).toEqual([]); // whiteouts of a whited-out dir are not kept
    expect(order).toContain(LONG);
    const hard = (await entries(layer.bytes)).filter((e) => e.name === "bin/a" || e.name === "bin/b");
    expect(hard.map((e) => e.type)).toEqual(["file", "link"]);
  });

  it("is deterministic, and gzip gives a blob whose gunzip is the tar", async () => {
    const make = () => {
      const u = new Union(new Image([MemoryLayer.from({ "a/b": "1" }, { timeNs: 5n })]), new MemoryLayer({}));
      u.writeFile("/a/c", "two");
      u.utimes("/a/c", 1, 2);
      u.utimes("/a", 1, 2);
      return u;
    };
    const one = await commit(make());
    const two = await commit(make());
    expect(two.digest).toBe(one.digest);
    const gz = await commit(make(), { compression: "gzip" });
    expect(gz.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
    expect(gz.diffID).toBe(one.diffID);
    expect(gz.digest).toBe(await sha256(gz.bytes));
    const gunzipped = await streamBytes(new Blob([gz.bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip")));
    expect(await sha256(gunzipped)).toBe(one.diffID);
  });

  it("refuses zstd with a clear error, before writing anything", async () => {
    const u = new Union(new Image([]), new MemoryLayer());
    await expect(commit(u, { compression: "zstd" })).rejects.toThrow(/zstd layers cannot be written/);
  });

  it("streams big files in chunks with bounded buffering (commitStream)", async () => {
    const u = new Union(new Image([]), new MemoryLayer());
    const f = u.open("/big", { write: true, create: true });
    const chunk = new Uint8Array(1 << 20).fill(7);
    for (let i = 0; i < 24; i++) f.write(chunk, i * chunk.length);
    f.close();
    const s = commitStream(u);
    const reader = s.stream.getReader();
    let total = 0;
    let largest = 0;
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      total += r.value.length;
      largest = Math.max(largest, r.value.length);
    }
    expect(total).toBe((await s.digests).size);
    expect(total).toBeGreaterThan(24 << 20);
    expect(largest).toBeLessThanOrEqual(1 << 20);
  });
});

describe("exportTar(union)", () => {
  it("is the flattened merged tree: alone as a layer it shows the same tree", async () => {
    const union = changedUnion();
    union.symlink("/etc/conf", "/abs-link");
    union.writeFile("/x1", "x");
    union.link("/x1", "/x2");
    const tar = await streamBytes(exportTar(union));
    const flat = new Union(new Image([TarLayer.fromBytes(tar)]), new MemoryLayer());
    expect(mergedTree(flat)).toEqual(mergedTree(union));
    expect((await names(tar)).some((n) => n.includes(".wh."))).toBe(false);
    expect(await sha256(await streamBytes(exportTar(union)))).toBe(await sha256(tar));
  });
});

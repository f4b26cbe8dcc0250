// loadImage(path) in Node and Deno: layout directories and archive files (kind told
// by content), the file layer cache (atomic entries, reuse without decompression,
// LAYERFS_CACHE / XDG_CACHE_HOME), in-place uncompressed blobs.
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import { afterAll, describe, expect, it } from "vitest";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import * as denoEntry from "../../src/host/deno.ts";
import * as nodeEntry from "../../src/host/node.ts";
import { ImageError } from "../../src/oci/mod.ts";
import type { LoadProgress } from "../../src/oci/mod.ts";
import { archive, dockerArchive, HOSTILE, ociLayout } from "../oci/corpus.ts";
import type { ImageSpec } from "../oci/corpus.ts";
import { cleanup, IN_DENO, tempDir } from "./helpers.ts";

const entry = IN_DENO ? denoEntry : nodeEntry;
const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

function temp(): string {
  const d = tempDir("layerfs-oci-");
  dirs.push(d);
  return d;
}

function writeFiles(dir: string, files: Record<string, Uint8Array>): void {
  for (const [p, b] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), b);
  }
}

function listTree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((p) => fs.statSync(path.join(dir, p)).isFile()).sort();
}

const spec = (compression: "gzip" | "none" | "zstd" = "gzip"): ImageSpec => ({
  tag: "v1",
  layers: [
    { files: { "etc/": "", "etc/hostname": "base\n", "bin/": "", "bin/app.wasm": "\0asm" }, compression },
    { files: { "etc/": "", "etc/hostname": "top\n", "etc/.wh.nothing": "" }, compression },
  ],
});

const text = (u: Union, p: string): string => new TextDecoder().decode(u.readFile(p));

describe("loadImage(path) with the file cache", () => {
  it("decompresses a layout's gzip layers once into the cache; the second load reads only the cache", async () => {
    const root = temp();
    const built = await ociLayout(spec("gzip"));
    writeFiles(`${root}/img`, built.files);
    const cacheDir = `${root}/cache`;
    const first: LoadProgress[] = [];
    const a = await entry.loadImage(`${root}/img`, { cacheDir, onProgress: (p) => first.push(p) });
    expect(a.format).toBe("oci-layout");
    expect(text(new Union(a.image, new MemoryLayer()), "/etc/hostname")).toBe("top\n");
    a.close();
    expect(first.some((p) => p.phase === "decompress")).toBe(true);
    expect(listTree(cacheDir)).toEqual(
      [
        ...built.diffIDs.map((d) => `layers/sha256/${d.slice(7)}`),
        ...built.diffIDs.map((d) => `index/sha256/${d.slice(7)}`),
        ...built.layerDigests.map((d) => `links/sha256/${d.slice(7)}`),
      ].sort(),
    );
    expect(fs.readFileSync(`${cacheDir}/links/sha256/${built.layerDigests[0]!.slice(7)}`, "utf8").trim()).toBe(built.diffIDs[0]);
    // Corrupt the stored gzip blobs (same size): a warm load must not even read them.
    for (const d of built.layerDigests) {
      const p = `${root}/img/blobs/sha256/${d.slice(7)}`;
      fs.writeFileSync(p, new Uint8Array(fs.statSync(p).size));
    }
    const second: LoadProgress[] = [];
    const b = await entry.loadImage(`${root}/img`, { cacheDir, onProgress: (p) => second.push(p) });
    expect(second.map((p) => p.phase)).toEqual(["cached", "cached"]);
    expect(text(new Union(b.image, new MemoryLayer()), "/bin/app.wasm")).toBe("\0asm");
    b.close();
    // A damaged saved index is ignored and rebuilt from the tar.
    fs.writeFileSync(`${cacheDir}/index/sha256/${built.diffIDs[1]!.slice(7)}`, "garbage");
    const c = await entry.loadImage(`${root}/img`, { cacheDir });
    expect(text(new Union(c.image, new MemoryLayer()), "/etc/hostname")).toBe("top\n");
    c.close();
    expect(fs.readFileSync(`${cacheDir}/index/sha256/${built.diffIDs[1]!.slice(7)}`).length).toBeGreaterThan(7);
  });

  it("tells an OCI archive from a docker-save archive by content, whatever the file name", async () => {
    const root = temp();
    fs.writeFileSync(`${root}/one.bin`, await archive((await ociLayout(spec("zstd"))).files));
    fs.writeFileSync(`${root}/two.bin`, await archive(await dockerArchive({ ...spec("none"), repoTags: ["app:v1"] })));
    const oci = await entry.loadImage(`${root}/one.bin`, { cacheDir: `${root}/cache` });
    const docker = await entry.loadImage(`${root}/two.bin`, { cacheDir: `${root}/cache`, tag: "app:v1" });
    expect([oci.format, docker.format]).toEqual(["oci-archive", "docker-archive"]);
    for (const img of [oci, docker]) {
      expect(text(new Union(img.image, new MemoryLayer()), "/etc/hostname")).toBe("top\n");
      img.close();
    }
  });

  it("uses uncompressed layout blobs in place (nothing copied into the cache)", async () => {
    const root = temp();
    writeFiles(`${root}/img`, (await ociLayout(spec("none"))).files);
    const phases: string[] = [];
    const img = await entry.loadImage(`${root}/img`, { cacheDir: `${root}/cache`, onProgress: (p) => phases.push(p.phase) });
    expect(new Set(phases)).toEqual(new Set(["verify"]));
    expect(listTree(`${root}/cache`).filter((p) => p.startsWith("layers/"))).toEqual([]);
    expect(text(new Union(img.image, new MemoryLayer()), "/etc/hostname")).toBe("top\n");
    img.close();
    // Remembered as verified (by dev:ino:size:mtime:ctime): the next load hashes nothing...
    const again: string[] = [];
    (await entry.loadImage(`${root}/img`, { cacheDir: `${root}/cache`, onProgress: (p) => again.push(p.phase) })).close();
    expect(again).toEqual(["cached", "cached"]);
    // ...until the blob changes: then it is hashed again and refused.
    const blob = (await ociLayout(spec("none"))).layerDigests[1]!;
    const p = `${root}/img/blobs/sha256/${blob.slice(7)}`;
    const bytes = fs.readFileSync(p);
    bytes[600] = bytes[600]! ^ 1;
    fs.writeFileSync(p, bytes);
    await expect(entry.loadImage(`${root}/img`, { cacheDir: `${root}/cache` })).rejects.toThrow(/layer 1 .*blob digest is sha256:/);
  });

  it("leaves no cache entry and no temporary file when verification fails", async () => {
    const root = temp();
    writeFiles(`${root}/img`, (await ociLayout({ layers: [{ files: { a: "a" }, diffID: "sha256:" + "5".repeat(64) }] })).files);
    await expect(entry.loadImage(`${root}/img`, { cacheDir: `${root}/cache` })).rejects.toThrow(/uncompressed content digest is sha256:[0-9a-f]{64}, the config's diff_id is sha256:5{64}/);
    expect(listTree(`${root}/cache`)).toEqual([]);
  });

  it("file cache entries can be named at commit (a tarball whose diffID is learnt while writing)", async () => {
    const root = temp();
    const cache = entry.fileLayerCache(`${root}/cache`);
    const w = cache.create(undefined);
    w.write(new TextEncoder().encode("tar bytes"));
    const diffID = "sha256:" + "7".repeat(64);
    const src = await w.commit("sha256:" + "8".repeat(64), diffID);
    expect(src.size).toBe(9);
    src.close?.();
    expect(cache.diffIDOf("sha256:" + "8".repeat(64))).toBe(diffID);
    expect(cache.get(diffID)?.size).toBe(9);
    expect(listTree(`${root}/cache/tmp`)).toEqual([]);
    expect(() => cache.create("sha256:../../etc")).toThrow(/not well formed/);
  });

  it("names a missing image path in one line", async () => {
    await expect(entry.loadImage("/nonexistent/image.tar")).rejects.toThrow(/^\/nonexistent\/image\.tar: no such image file or directory \(ENOENT\)$/);
  });

  it("finds the cache in $LAYERFS_CACHE, else $XDG_CACHE_HOME/layerfs, else ~/.cache/layerfs", () => {
    const saved = { LAYERFS_CACHE: process.env.LAYERFS_CACHE, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME };
    try {
      process.env.LAYERFS_CACHE = "/tmp/lc";
      expect(entry.defaultCacheDir()).toBe("/tmp/lc");
      delete process.env.LAYERFS_CACHE;
      process.env.XDG_CACHE_HOME = "/tmp/xdg";
      expect(entry.defaultCacheDir()).toBe("/tmp/xdg/layerfs");
      delete process.env.XDG_CACHE_HOME;
      expect(entry.defaultCacheDir()).toMatch(/\/\.cache\/layerfs$/);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it("parseHostImageRef splits IMAGE strings against the filesystem", () => {
    const root = temp();
    fs.writeFileSync(`${root}/x.tar`, "");
    fs.mkdirSync(`${root}/d:ir`);
    expect(entry.parseHostImageRef(`${root}/x.tar:repo/app:v1`)).toEqual({ path: `${root}/x.tar`, tag: "repo/app:v1" });
    expect(entry.parseHostImageRef(`${root}/d:ir`)).toEqual({ path: `${root}/d:ir` });
    expect(entry.parseHostImageRef(`${root}/d:ir:v2`)).toEqual({ path: `${root}/d:ir`, tag: "v2" });
    expect(entry.parseHostImageRef(`${root}/none:v1`)).toBeUndefined();
  });
});

describe("the hostile corpus through loadImage(path) (node:zlib gzip, node:crypto, file cache)", () => {
  for (const c of HOSTILE) {
    it(`refuses: ${c.name} (${c.expect})`, async () => {
      const root = temp();
      const built = await c.build();
      const p = `${root}/image`;
      if (built instanceof Uint8Array) fs.writeFileSync(p, built);
      else writeFiles(p, built);
      const error = await entry.loadImage(p, { cacheDir: `${root}/cache`, ...c.options }).then(
        (img) => img.close(),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ImageError);
      expect((error as ImageError).code, (error as Error).message).toBe(c.expect);
      expect((error as Error).message.startsWith(`${p}: `)).toBe(true);
      if (c.message !== undefined) expect((error as Error).message).toMatch(c.message);
      // Only verified content is ever cached (an unreadable tar can be verified content).
      if (c.expect !== "ELAYER") expect(listTree(`${root}/cache`)).toEqual([]);
    });
  }
});

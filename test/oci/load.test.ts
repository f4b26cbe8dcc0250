// loadImage over in-memory images: layouts, OCI and docker-save archives, every
// compression, tag and platform selection, the layer cache, progress, openBlob.
import { describe, expect, it } from "vitest";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { loadImage, MemoryLayerCache, memoryFiles, parseDigest, parseImageRef, isImageError } from "../../src/oci/mod.ts";
import type { LoadProgress } from "../../src/oci/mod.ts";
import { archive, dockerArchive, ociLayout } from "./corpus.ts";
import type { Compression, ImageSpec } from "./corpus.ts";

const dec = new TextDecoder();
const read = (u: Union, p: string): string => dec.decode(u.readFile(p));

const twoLayers = (c: Compression): ImageSpec => ({
  tag: "v1",
  layers: [
    { files: { "etc/": "", "etc/hostname": "base\n", "etc/gone": "x", "bin/": "", "bin/app.wasm": "\0asm", "data/": "", "data/old": "o" }, compression: c },
    { files: { "etc/": "", "etc/hostname": "top\n", "etc/.wh.gone": "", "data/": "", "data/.wh..wh..opq": "", "data/new": "n", "link": { symlink: "etc/hostname" } }, compression: c },
  ],
});

function check(u: Union): void {
  expect(read(u, "/etc/hostname")).toBe("top\n");
  expect(u.exists("/etc/gone")).toBe(false);
  expect(u.readdir("/data")).toEqual(["new"]);
  expect(u.readlink("/link")).toBe("etc/hostname");
  expect(read(u, "/bin/app.wasm")).toBe("\0asm");
}

describe("loadImage", () => {
  for (const c of ["none", "gzip", "zstd"] as const) {
    it(`loads an OCI layout with ${c} layers, whiteouts and an opaque directory applied`, async () => {
      const b = await ociLayout(twoLayers(c));
      const img = await loadImage(memoryFiles(b.files, "layout"));
      expect(img.format).toBe("oci-layout");
      expect(img.tag).toBe("v1");
      expect(img.image.layers).toHaveLength(2);
      expect(img.layers.map((l) => l.diffID)).toEqual(b.diffIDs);
      expect(img.layers.map((l) => l.digest)).toEqual(b.layerDigests);
      check(new Union(img.image, new MemoryLayer()));
      img.close();
    });
  }

  it("gives the config's Entrypoint, Cmd, Env, WorkingDir and Labels, and the platform", async () => {
    const img = await loadImage(memoryFiles((await ociLayout(twoLayers("gzip"))).files));
    expect(img.config).toEqual({ entrypoint: ["/bin/app.wasm"], cmd: ["--help"], env: ["PATH=/bin", "A=1"], workingDir: "/work", labels: { "org.example": "yes" } });
    expect(img.platform).toEqual({ os: "wasip1", architecture: "wasm" });
    expect((img.configJson.rootfs as { diff_ids: string[] }).diff_ids).toHaveLength(2);
    expect(img.manifestJson.schemaVersion).toBe(2);
  });

  it("loads an OCI archive from bytes, a Blob and a Response", async () => {
    const bytes = await archive((await ociLayout(twoLayers("gzip"))).files);
    for (const src of [bytes, new Blob([bytes]), new Response(bytes)]) {
      const img = await loadImage(src);
      expect(img.format).toBe("oci-archive");
      check(new Union(img.image, new MemoryLayer()));
    }
  });

  it("loads a docker-save archive and selects by RepoTag", async () => {
    const files = await dockerArchive({ ...twoLayers("none"), repoTags: ["example/app:v1", "example/app:latest"] });
    const bytes = await archive(files);
    const img = await loadImage(bytes, { tag: "example/app:latest" });
    expect(img.format).toBe("docker-archive");
    expect(img.tag).toBe("example/app:latest");
    expect(img.layers[0]!.mediaType).toBe("application/vnd.oci.image.layer.v1.tar");
    expect(img.layers[0]!.digest).toBe(img.layers[0]!.diffID);
    check(new Union(img.image, new MemoryLayer()));
    expect((await loadImage(bytes, { tag: "example/app" })).tag).toBe("example/app:latest");
    await expect(loadImage(bytes, { tag: "other:v1" })).rejects.toThrow(/no image tagged "other:v1" \(RepoTags: example\/app:v1, example\/app:latest\)/);
  });

  it("loads a docker >= 25 archive (OCI layout beside manifest.json) by RepoTag or by ref name", async () => {
    const b = await ociLayout({ ...twoLayers("none"), tag: "v1" });
    const files = { ...b.files };
    const layers = b.layerDigests.map((d) => `blobs/${d.replace(":", "/")}`);
    files["manifest.json"] = new TextEncoder().encode(JSON.stringify([{ Config: `blobs/${b.configDigest.replace(":", "/")}`, RepoTags: ["app:v1"], Layers: layers }]));
    const bytes = await archive(files);
    const viaDocker = await loadImage(bytes, { tag: "app:v1" });
    expect(viaDocker.format).toBe("docker-archive");
    check(new Union(viaDocker.image, new MemoryLayer()));
    const viaOci = await loadImage(bytes, { tag: "v1" });
    expect(viaOci.format).toBe("oci-archive");
    expect((await loadImage(bytes)).format).toBe("docker-archive");
  });

  it("needs a tag only when the layout holds several images, and lists them", async () => {
    const b = await ociLayout({ ...twoLayers("gzip"), tag: "a" }, { ...twoLayers("none"), tag: "b" });
    const files = memoryFiles(b.files);
    await expect(loadImage(files)).rejects.toThrow(/several images; name one with a tag \(tags: a, b\)/);
    expect((await loadImage(files, { tag: "b" })).tag).toBe("b");
  });

  it("prefers a wasm platform in a multi-platform index, else the one named, else lists them", async () => {
    const b = await ociLayout(
      { layers: [{ files: { which: "amd64" } }], platform: { os: "linux", architecture: "amd64" } },
      { layers: [{ files: { which: "wasm" } }], platform: { os: "wasip1", architecture: "wasm" } },
      { layers: [{ files: { which: "arm64" } }], platform: { os: "linux", architecture: "arm64" } },
    );
    const files = memoryFiles(b.files);
    const wasm = await loadImage(files);
    expect(read(new Union(wasm.image, new MemoryLayer()), "/which")).toBe("wasm");
    expect(wasm.platform).toEqual({ os: "wasip1", architecture: "wasm" });
    const arm = await loadImage(files, { platform: "linux/arm64" });
    expect(read(new Union(arm.image, new MemoryLayer()), "/which")).toBe("arm64");
    await expect(loadImage(files, { platform: "linux/s390x" })).rejects.toThrow(/available: linux\/amd64, wasip1\/wasm, linux\/arm64/);
  });

  it("follows a nested index to its manifests", async () => {
    const b = await ociLayout(twoLayers("gzip"));
    const idx = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, manifests: JSON.parse(dec.decode(b.files["index.json"]!)).manifests }));
    const { digestOf } = await import("../../src/oci/digest.ts");
    const d = await digestOf(idx);
    b.files[`blobs/${d.replace(":", "/")}`] = idx;
    b.files["index.json"] = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.index.v1+json", digest: d, size: idx.length, annotations: { "org.opencontainers.image.ref.name": "nested" } }] }));
    const img = await loadImage(memoryFiles(b.files));
    expect(img.tag).toBe("nested");
    check(new Union(img.image, new MemoryLayer()));
  });

  it("reuses a shared cache: the second load decompresses nothing", async () => {
    const cache = new MemoryLayerCache();
    const files = memoryFiles((await ociLayout(twoLayers("gzip"))).files);
    const first: LoadProgress[] = [];
    await loadImage(files, { cache, onProgress: (p) => first.push(p) });
    expect(first.filter((p) => p.phase === "decompress").length).toBeGreaterThan(0);
    expect(cache.entries).toBe(2);
    const second: LoadProgress[] = [];
    const img = await loadImage(files, { cache, onProgress: (p) => second.push(p) });
    expect(second.map((p) => p.phase)).toEqual(["cached", "cached"]);
    check(new Union(img.image, new MemoryLayer()));
  });

  it("refuses a layer larger than the memory cache's entry limit (ELIMIT), caching nothing", async () => {
    const cache = new MemoryLayerCache({ maxEntryBytes: 4096 });
    const files = memoryFiles((await ociLayout({ layers: [{ files: { big: "x".repeat(10_000) } }] })).files, "img");
    await expect(loadImage(files, { cache })).rejects.toSatisfy((e: unknown) => isImageError(e, "ELIMIT") && /memory cache's limit of 4096 bytes/.test((e as Error).message));
    expect(cache.entries).toBe(0);
  });

  it("reports progress per layer up to the blob size", async () => {
    const b = await ociLayout(twoLayers("gzip"));
    const seen: LoadProgress[] = [];
    const img = await loadImage(memoryFiles(b.files), { onProgress: (p) => seen.push(p) });
    for (const [i, l] of img.layers.entries()) {
      const last = seen.filter((p) => p.layer === i).at(-1)!;
      expect(last).toMatchObject({ layers: 2, digest: l.digest, done: l.size, total: l.size, phase: "decompress" });
    }
  });

  it("uses an uncompressed archive layer in place after verifying it", async () => {
    const bytes = await archive((await ociLayout(twoLayers("none"))).files);
    const seen: LoadProgress[] = [];
    const cache = new MemoryLayerCache();
    const img = await loadImage(bytes, { cache, onProgress: (p) => seen.push(p) });
    expect(new Set(seen.map((p) => p.phase))).toEqual(new Set(["verify"]));
    expect(cache.entries).toBe(0);
    check(new Union(img.image, new MemoryLayer()));
  });

  it("openBlob streams the stored blobs and refuses malformed or unknown digests", async () => {
    const b = await ociLayout(twoLayers("gzip"));
    const img = await loadImage(memoryFiles(b.files));
    const got = new Uint8Array(await new Response(await img.openBlob(b.layerDigests[1]!)).arrayBuffer());
    expect(got).toEqual(b.files[`blobs/${b.layerDigests[1]!.replace(":", "/")}`]);
    await expect(img.openBlob("sha256:../../x")).rejects.toSatisfy((e: unknown) => isImageError(e, "EDIGEST"));
    await expect(img.openBlob("sha256:" + "9".repeat(64))).rejects.toSatisfy((e: unknown) => isImageError(e, "EMISSING"));
  });

  it("uses a non-distributable layer whose blob is in the image", async () => {
    const b = await ociLayout({ layers: [{ files: { f: "foreign" }, mediaType: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip" }] });
    const img = await loadImage(memoryFiles(b.files));
    expect(img.layers[0]!.mediaType).toBe("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip");
    expect(read(new Union(img.image, new MemoryLayer()), "/f")).toBe("foreign");
  });

  it("loads an image without layers and layers that are empty blobs", async () => {
    const none = await loadImage(memoryFiles((await ociLayout({ layers: [] })).files));
    expect(none.image.layers).toHaveLength(0);
    const empty = await loadImage(memoryFiles((await ociLayout({ layers: [{ blob: new Uint8Array(0), compression: "none" }] })).files));
    expect(new Union(empty.image, new MemoryLayer()).readdir("/")).toEqual([]);
  });
});

describe("parseDigest", () => {
  it("accepts sha256 and sha512 in lowercase hex only", () => {
    expect(parseDigest("sha256:" + "a".repeat(64))).toMatchObject({ algorithm: "sha256", hex: "a".repeat(64) });
    expect(parseDigest("sha512:" + "b".repeat(128))).toMatchObject({ algorithm: "sha512" });
    for (const bad of ["sha256:../../x", "md5:d41d8cd98f00b204e9800998ecf8427e", "sha256:" + "A".repeat(64), "sha256:" + "a".repeat(63), "sha256:" + "a".repeat(64) + "/..", "", 42]) {
      expect(typeof parseDigest(bad)).toBe("string");
    }
  });
});

describe("parseImageRef", () => {
  const have = new Set(["img", "a:b", "x.tar"]);
  const exists = (p: string): boolean => have.has(p);
  it("splits DIR[:TAG], FILE.tar[:REPO:TAG] at the longest existing prefix", () => {
    expect(parseImageRef("img", exists)).toEqual({ path: "img" });
    expect(parseImageRef("img:v1", exists)).toEqual({ path: "img", tag: "v1" });
    expect(parseImageRef("x.tar:repo/app:latest", exists)).toEqual({ path: "x.tar", tag: "repo/app:latest" });
    expect(parseImageRef("a:b", exists)).toEqual({ path: "a:b" });
    expect(parseImageRef("a:b:c", exists)).toEqual({ path: "a:b", tag: "c" });
    expect(parseImageRef("nope:v1", exists)).toBeUndefined();
  });
});

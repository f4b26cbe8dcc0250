// commitImage in memory (the browser path): an OCI archive and a docker archive written
// through archiveOutput + memorySpool load back with the upper as the top layer, the
// config's diff_ids and history extended, and digests that match the bytes. Portable.
import { describe, expect, it } from "vitest";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { archiveOutput, commitImage, memorySpool } from "../../src/oci/commit-image.ts";
import { loadImage, memoryFiles } from "../../src/oci/mod.ts";
import { streamBytes } from "../../src/oci/tar-write.ts";
import { archive, dockerArchive, ociLayout } from "./corpus.ts";
import type { ImageSpec } from "./corpus.ts";

const spec: ImageSpec = {
  tag: "v1",
  layers: [{ files: { "etc/": "", "etc/hostname": "base\n", "etc/gone": "x", "bin/": "", "bin/app.wasm": "\0asm" }, compression: "gzip" }],
};

async function commitToBytes(loadedFrom: Uint8Array, tag: string, compression: "none" | "gzip"): Promise<{ bytes: Uint8Array; result: Awaited<ReturnType<typeof commitImage>> }> {
  const loaded = await loadImage(loadedFrom);
  const union = new Union(loaded.image, new MemoryLayer());
  union.writeFile("/etc/hostname", "committed\n");
  union.unlink("/etc/gone");
  const chunks: Uint8Array[] = [];
  const sink = new WritableStream<Uint8Array>({ write: (c) => void chunks.push(c) });
  const result = await commitImage(loaded, union, archiveOutput(sink, memorySpool), { tag, compression, created: new Date("2026-02-03T04:05:06Z") });
  return { bytes: await streamBytes(new Blob(chunks as Uint8Array<ArrayBuffer>[]).stream()), result };
}

describe("commitImage to an archive in memory", () => {
  it("OCI archive: loads back with the new layer on top", async () => {
    const input = await archive((await ociLayout(spec)).files);
    const { bytes, result } = await commitToBytes(input, "v2", "gzip");
    expect(result.format).toBe("oci-archive");
    const again = await loadImage(bytes, { tag: "v2" });
    expect(again.layers).toHaveLength(2);
    expect(again.layers[1]).toMatchObject({ digest: result.layer.digest, diffID: result.layer.diffID, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip" });
    const u = new Union(again.image, new MemoryLayer());
    expect(u.readFile("/etc/hostname", "utf8")).toBe("committed\n");
    expect(u.exists("/etc/gone")).toBe(false);
    const cfg = again.configJson as { created: string; history: { created_by?: string }[]; rootfs: { diff_ids: string[] } };
    expect(cfg.created).toBe("2026-02-03T04:05:06Z");
    expect(cfg.rootfs.diff_ids.at(-1)).toBe(result.layer.diffID);
    expect(cfg.history.at(-1)).toMatchObject({ created_by: "layerfs commit", created: "2026-02-03T04:05:06Z" });
  });

  it("docker archive: manifest.json names the new config and layer files; RepoTags from --tag", async () => {
    const files = await dockerArchive({ ...spec, repoTags: ["app:v1"] });
    const { bytes, result } = await commitToBytes(await archive(files), "app:v2", "none");
    expect(result).toMatchObject({ format: "docker-archive", tag: "app:v2" });
    const again = await loadImage(bytes, { tag: "app:v2" });
    expect(again.format).toBe("docker-archive");
    expect(again.layers).toHaveLength(2);
    expect(new Union(again.image, new MemoryLayer()).readFile("/etc/hostname", "utf8")).toBe("committed\n");
    expect(again.manifestJson).toMatchObject({ RepoTags: ["app:v2"], Config: `${result.config.digest.slice(7)}.json` });
  });

  it("a layout in memory files commits too (loadImage(memoryFiles))", async () => {
    const loaded = await loadImage(memoryFiles((await ociLayout(spec)).files));
    const chunks: Uint8Array[] = [];
    const r = await commitImage(loaded, new Union(loaded.image, new MemoryLayer()), archiveOutput(new WritableStream({ write: (c) => void chunks.push(c) }), memorySpool));
    expect(r.tag).toBe("v1");
    expect(r.index?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

// OCI image layouts made in-process for the CLI tests and the benchmark (no umoci needed):
// layers are tars written by exportTar from memory layers, optionally gzip-compressed.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { commit } from "../../src/oci/commit-layer.ts";
import type { MemorySpec } from "../../src/layers/memory.ts";

const sha = (b: Uint8Array): string => "sha256:" + createHash("sha256").update(b).digest("hex");

/** A layer tar of `spec` (a memory layer's tree; no whiteouts: over nothing they hide nothing). */
export async function layerTar(spec: MemorySpec): Promise<Uint8Array> {
  const union = new Union(new Image([]), MemoryLayer.from(spec, { timeNs: 1_700_000_000_000_000_000n }));
  return (await commit(union)).bytes;
}

export interface LayoutOptions {
  tag?: string;
  config?: Record<string, unknown>;
  gzip?: boolean;
}

/** Write an OCI image layout at `dir` with `layers` (uncompressed tars, bottom first). */
export function writeLayout(dir: string, layers: Uint8Array[], o: LayoutOptions = {}): void {
  mkdirSync(join(dir, "blobs/sha256"), { recursive: true });
  const blob = (b: Uint8Array): { digest: string; size: number } => {
    const digest = sha(b);
    writeFileSync(join(dir, "blobs/sha256", digest.slice(7)), b);
    return { digest, size: b.length };
  };
  const descs = layers.map((tar) => {
    const stored = o.gzip ? new Uint8Array(gzipSync(tar, { level: 1 })) : tar;
    return { mediaType: `application/vnd.oci.image.layer.v1.tar${o.gzip ? "+gzip" : ""}`, ...blob(stored) };
  });
  const config = new TextEncoder().encode(JSON.stringify({
    architecture: "wasm", os: "wasip1", created: "2026-01-01T00:00:00Z",
    config: o.config ?? {}, rootfs: { type: "layers", diff_ids: layers.map(sha) },
    history: layers.map(() => ({ created_by: "test fixture" })),
  }));
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...blob(config) }, layers: descs,
  }));
  const m = blob(manifest);
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(join(dir, "index.json"), JSON.stringify({
    schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...m, annotations: { "org.opencontainers.image.ref.name": o.tag ?? "latest" } }],
  }));
}

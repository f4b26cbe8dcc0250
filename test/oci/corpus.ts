// Images built in memory for the loader tests, and the hostile corpus: every case
// an image that must be refused with a given ImageError code (or contained).
// Portable: no node:* imports (runs in Node, Deno and Chromium).
import { packTar } from "modern-tar";
import type { TarEntry } from "modern-tar";
import { digestOf } from "../../src/oci/digest.ts";
import type { ImageErrorCode } from "../../src/oci/errors.ts";

const enc = new TextEncoder();
const MTIME = new Date(1_700_000_000_000);

export type Compression = "none" | "gzip" | "zstd";

/** A layer spec: path -> content; "dir/" for a directory; { symlink } for a link. */
export type LayerFiles = Record<string, string | Uint8Array | { symlink: string }>;

/** A tar of the layer spec (deterministic). */
export async function layerTar(files: LayerFiles): Promise<Uint8Array> {
  const entries: TarEntry[] = Object.entries(files).map(([name, v]) => {
    if (name.endsWith("/")) return { header: { name, size: 0, type: "directory", mode: 0o755, mtime: MTIME } };
    if (typeof v === "object" && !(v instanceof Uint8Array)) return { header: { name, size: 0, type: "symlink", linkname: v.symlink, mode: 0o777, mtime: MTIME } };
    const body = typeof v === "string" ? enc.encode(v) : v;
    return { header: { name, size: body.length, type: "file", mode: 0o644, mtime: MTIME }, body };
  });
  return packTar(entries);
}

export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

/**
 * A zstd frame of raw blocks (no compression: there is no zstd encoder in JS, and
 * the decoder's framing is what matters). `windowLog` sets the window descriptor.
 */
export function zstdRaw(bytes: Uint8Array, windowLog = 17): Uint8Array {
  const parts: number[] = [0x28, 0xb5, 0x2f, 0xfd, 0x00, (windowLog - 10) << 3];
  const max = 1 << 17;
  let at = 0;
  do {
    const n = Math.min(max, bytes.length - at);
    const last = at + n >= bytes.length ? 1 : 0;
    const h = last | (0 << 1) | (n << 3);
    parts.push(h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff);
    for (let i = 0; i < n; i++) parts.push(bytes[at + i]!);
    at += n;
  } while (at < bytes.length);
  return new Uint8Array(parts);
}

/** A zstd bomb: `blocks` RLE blocks of 128 KiB zeros (4 bytes each on the wire). */
export function zstdBomb(blocks: number): Uint8Array {
  const out = new Uint8Array(6 + blocks * 4);
  out.set([0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3]);
  for (let b = 0; b < blocks; b++) {
    const h = (b === blocks - 1 ? 1 : 0) | (1 << 1) | ((1 << 17) << 3);
    out.set([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff, 0], 6 + b * 4);
  }
  return out;
}

export async function compress(tar: Uint8Array, c: Compression): Promise<Uint8Array> {
  return c === "gzip" ? gzip(tar) : c === "zstd" ? zstdRaw(tar) : tar;
}

const LAYER_TYPE: Record<Compression, string> = {
  none: "application/vnd.oci.image.layer.v1.tar",
  gzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  zstd: "application/vnd.oci.image.layer.v1.tar+zstd",
};

export interface LayerSpec {
  files?: LayerFiles;
  compression?: Compression;
  /** Use these bytes as the stored blob instead of compressing `files`. */
  blob?: Uint8Array;
  /** Override the diffID the config lists. */
  diffID?: string;
  mediaType?: string;
  /** Override what the manifest descriptor says. */
  digest?: string;
  size?: number;
  /** Leave the blob out of the image. */
  omit?: boolean;
}

export interface ImageSpec {
  layers: LayerSpec[];
  config?: Record<string, unknown>;
  tag?: string;
  platform?: { os: string; architecture: string };
}

/** One built image: the layout's files by path, plus what was put in it. */
export interface BuiltImage {
  files: Record<string, Uint8Array>;
  manifestDigest: string;
  configDigest: string;
  layerDigests: string[];
  diffIDs: string[];
}

export function json(v: unknown): Uint8Array {
  return enc.encode(JSON.stringify(v));
}

export const blobPath = (digest: string): string => `blobs/${digest.replace(":", "/")}`;

/** Build the blobs of one image (config, layers, manifest) into `files`; returns its manifest descriptor. */
export async function addImage(files: Record<string, Uint8Array>, spec: ImageSpec): Promise<BuiltImage & { descriptor: Record<string, unknown> }> {
  const layerDescs: Record<string, unknown>[] = [];
  const diffIDs: string[] = [];
  const layerDigests: string[] = [];
  for (const l of spec.layers) {
    const tar = await layerTar(l.files ?? {});
    const c = l.compression ?? "gzip";
    const blob = l.blob ?? (await compress(tar, c));
    const digest = await digestOf(blob);
    diffIDs.push(l.diffID ?? (await digestOf(l.blob !== undefined && c === "none" ? blob : tar)));
    layerDigests.push(digest);
    if (l.omit !== true) files[blobPath(digest)] = blob;
    layerDescs.push({ mediaType: l.mediaType ?? LAYER_TYPE[c], digest: l.digest ?? digest, size: l.size ?? blob.length });
  }
  const config = json({
    architecture: spec.platform?.architecture ?? "wasm",
    os: spec.platform?.os ?? "wasip1",
    config: { Entrypoint: ["/bin/app.wasm"], Cmd: ["--help"], Env: ["PATH=/bin", "A=1"], WorkingDir: "/work", Labels: { "org.example": "yes" } },
    rootfs: { type: "layers", diff_ids: diffIDs },
    history: spec.layers.map(() => ({ created_by: "corpus" })),
    ...spec.config,
  });
  const configDigest = await digestOf(config);
  files[blobPath(configDigest)] = config;
  const manifest = json({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
    layers: layerDescs,
  });
  const manifestDigest = await digestOf(manifest);
  files[blobPath(manifestDigest)] = manifest;
  const descriptor: Record<string, unknown> = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: manifestDigest, size: manifest.length };
  if (spec.tag !== undefined) descriptor.annotations = { "org.opencontainers.image.ref.name": spec.tag };
  if (spec.platform !== undefined) descriptor.platform = spec.platform;
  return { files, manifestDigest, configDigest, layerDigests, diffIDs, descriptor };
}

/** An OCI layout (files by path) holding the given images in its index.json. */
export async function ociLayout(...images: ImageSpec[]): Promise<BuiltImage> {
  const files: Record<string, Uint8Array> = { "oci-layout": json({ imageLayoutVersion: "1.0.0" }) };
  const built = [];
  for (const spec of images) built.push(await addImage(files, spec));
  files["index.json"] = json({ schemaVersion: 2, manifests: built.map((b) => b.descriptor) });
  const first = built[0]!;
  return { files, manifestDigest: first.manifestDigest, configDigest: first.configDigest, layerDigests: first.layerDigests, diffIDs: first.diffIDs };
}

/** A tar of files (an OCI archive of a layout, or a docker-save archive). */
export async function archive(files: Record<string, Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  return packTar(Object.entries(files).map(([name, body]) => ({ header: { name, size: body.length, type: "file", mode: 0o644, mtime: MTIME }, body })));
}

/** A docker-save archive (legacy layout: <id>/layer.tar, <hex>.json, manifest.json) of one image. */
export async function dockerArchive(spec: ImageSpec & { repoTags?: string[]; layerPaths?: string[] }): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  const diffIDs: string[] = [];
  const paths: string[] = [];
  for (const [i, l] of spec.layers.entries()) {
    const tar = await layerTar(l.files ?? {});
    const blob = l.blob ?? tar;
    diffIDs.push(l.diffID ?? (await digestOf(tar)));
    const id = (await digestOf(json({ i, diffID: diffIDs[i] }))).slice(7);
    const path = spec.layerPaths?.[i] ?? `${id}/layer.tar`;
    paths.push(path);
    if (l.omit !== true) files[path] = blob;
  }
  const config = json({ architecture: "wasm", os: "wasip1", config: { Entrypoint: ["/bin/app.wasm"] }, rootfs: { type: "layers", diff_ids: diffIDs }, ...spec.config });
  const configHex = (await digestOf(config)).slice(7);
  files[`${configHex}.json`] = config;
  files["manifest.json"] = json([{ Config: `${configHex}.json`, RepoTags: spec.repoTags ?? ["example/app:v1"], Layers: paths }]);
  return files;
}

// ------------------------------------------------------------ hostile corpus ---

export interface HostileCase {
  name: string;
  /** The image: layout files (loaded as a directory-like source) or archive bytes. */
  build(): Promise<Record<string, Uint8Array> | Uint8Array>;
  /** The ImageError code expected; "contained" = loads, and `check` holds. */
  expect: ImageErrorCode;
  /** A part of the message that must appear. */
  message?: RegExp;
  options?: { maxLayerBytes?: number; maxLayers?: number; tag?: string; platform?: string };
}

const one = (l: LayerSpec = {}): ImageSpec => ({ layers: [{ files: { "a.txt": "a" }, ...l }] });

async function withIndex(mutate: (files: Record<string, Uint8Array>, b: BuiltImage) => Promise<void> | void, spec: ImageSpec = one()): Promise<Record<string, Uint8Array>> {
  const b = await ociLayout(spec);
  await mutate(b.files, b);
  return b.files;
}

export const HOSTILE: HostileCase[] = [
  {
    name: "corrupt gzip",
    build: async () => {
      const gz = await gzip(await layerTar({ "a.txt": "hello".repeat(1000) }));
      gz[gz.length >> 1] ^= 0xff;
      gz[(gz.length >> 1) + 1] ^= 0xff;
      return (await ociLayout({ layers: [{ blob: gz, files: { "a.txt": "hello".repeat(1000) } }] })).files;
    },
    expect: "ECORRUPT",
  },
  {
    name: "truncated gzip",
    build: async () => {
      const gz = await gzip(await layerTar({ "a.txt": "x".repeat(5000) }));
      return (await ociLayout({ layers: [{ blob: gz.subarray(0, gz.length - 12), files: { "a.txt": "x".repeat(5000) } }] })).files;
    },
    expect: "ECORRUPT",
  },
  {
    name: "gzip decompression bomb (24 MiB of zeros) over maxLayerBytes",
    build: async () => {
      const gz = await gzip(new Uint8Array(24 << 20));
      return (await ociLayout({ layers: [{ blob: gz, diffID: "sha256:" + "0".repeat(64) }] })).files;
    },
    expect: "ELIMIT",
    message: /decompression bomb/,
    options: { maxLayerBytes: 4 << 20 },
  },
  {
    name: "zstd decompression bomb (RLE blocks: 4 bytes -> 128 KiB each)",
    build: async () => (await ociLayout({ layers: [{ blob: zstdBomb(4096), compression: "zstd", diffID: "sha256:" + "0".repeat(64) }] })).files,
    expect: "ELIMIT",
    options: { maxLayerBytes: 16 << 20 },
  },
  {
    name: "zstd frame claiming a 2 GiB window (fzstd would allocate it)",
    build: async () => (await ociLayout({ layers: [{ blob: zstdRaw(await layerTar({ a: "a" }), 31), compression: "zstd", files: { a: "a" } }] })).files,
    expect: "ECORRUPT",
    message: /window/,
  },
  {
    name: "corrupt zstd",
    build: async () => {
      const z = zstdRaw(await layerTar({ a: "a" }));
      z[6] = 0xff; // a block header of a reserved type
      z[7] = 0xff;
      z[8] = 0xff;
      return (await ociLayout({ layers: [{ blob: z, compression: "zstd", files: { a: "a" } }] })).files;
    },
    expect: "ECORRUPT",
  },
  {
    name: "media type gzip but plain tar",
    build: async () => (await ociLayout({ layers: [{ files: { a: "a" }, compression: "none", mediaType: "application/vnd.oci.image.layer.v1.tar+gzip" }] })).files,
    expect: "EMISMATCH",
    message: /media type says gzip/,
  },
  {
    name: "layer digest mismatch (blob content changed)",
    build: () =>
      withIndex(async (files, b) => {
        files[blobPath(b.layerDigests[0]!)] = await layerTar({ "a.txt": "b" }); // same size, other bytes
      }, one({ compression: "none" })),
    expect: "EMISMATCH",
    message: /blob digest is sha256:/,
  },
  {
    name: "layer size mismatch",
    build: async () => (await ociLayout(one({ size: 3 }))).files,
    expect: "EMISMATCH",
    message: /the manifest says 3/,
  },
  {
    name: "diffID mismatch",
    build: async () => (await ociLayout(one({ diffID: "sha256:" + "ab".repeat(32) }))).files,
    expect: "EMISMATCH",
    message: /diff_id/,
  },
  {
    name: "config digest mismatch",
    build: () =>
      withIndex((files, b) => {
        const p = blobPath(b.configDigest);
        const c = files[p]!.slice();
        c[c.length - 2] = 0x20;
        files[p] = c;
      }),
    expect: "EMISMATCH",
  },
  {
    name: "manifest digest sha256:../../x",
    build: () =>
      withIndex((files) => {
        files["index.json"] = json({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: "sha256:../../../etc/passwd", size: 10 }] });
      }),
    expect: "EDIGEST",
    message: /not well formed/,
  },
  {
    name: "layer digest md5:",
    build: async () => (await ociLayout(one({ digest: "md5:d41d8cd98f00b204e9800998ecf8427e" }))).files,
    expect: "EDIGEST",
    message: /unsupported algorithm "md5"/,
  },
  {
    name: "uppercase hex digest",
    build: async () => (await ociLayout(one({ digest: "sha256:" + "AB".repeat(32) }))).files,
    expect: "EDIGEST",
  },
  {
    name: "diff_id that is not a digest",
    build: async () => (await ociLayout(one({ diffID: "sha256:/etc/passwd" }))).files,
    expect: "EDIGEST",
  },
  {
    name: "manifest pointing at a missing layer blob",
    build: async () => (await ociLayout(one({ omit: true }))).files,
    expect: "EMISSING",
    message: /is missing/,
  },
  {
    name: "index pointing at a missing manifest",
    build: () =>
      withIndex((files, b) => {
        delete files[blobPath(b.manifestDigest)];
      }),
    expect: "EMISSING",
  },
  {
    name: "index.json not JSON",
    build: () =>
      withIndex((files) => {
        files["index.json"] = enc.encode("{ not json");
      }),
    expect: "EFORMAT",
    message: /not valid JSON/,
  },
  {
    name: "index.json with manifests not an array",
    build: () =>
      withIndex((files) => {
        files["index.json"] = json({ schemaVersion: 2, manifests: { a: 1 } });
      }),
    expect: "EFORMAT",
  },
  {
    name: "oci-layout of an unknown version",
    build: () =>
      withIndex((files) => {
        files["oci-layout"] = json({ imageLayoutVersion: "9.0.0" });
      }),
    expect: "EFORMAT",
    message: /imageLayoutVersion/,
  },
  {
    name: "nested indexes nested too deep (a chain of 20)",
    build: () =>
      withIndex(async (files, b) => {
        let desc: Record<string, unknown> = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: b.manifestDigest, size: files[blobPath(b.manifestDigest)]!.length };
        for (let i = 0; i < 20; i++) {
          const idx = json({ schemaVersion: 2, manifests: [desc], annotations: { level: String(i) } });
          const d = await digestOf(idx);
          files[blobPath(d)] = idx;
          desc = { mediaType: "application/vnd.oci.image.index.v1+json", digest: d, size: idx.length };
        }
        files["index.json"] = json({ schemaVersion: 2, manifests: [desc] });
      }),
    expect: "ELIMIT",
    message: /nested deeper/,
  },
  {
    name: "index listing a nested index whose blob is index.json's own bytes (no real cycle is possible with digests: its digest must still match)",
    build: () =>
      withIndex(async (files) => {
        // A self-reference can only be claimed: the digest check refuses it before any recursion.
        const fake = "sha256:" + "1".repeat(64);
        files["index.json"] = json({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.index.v1+json", digest: fake, size: 10 }] });
        files[blobPath(fake)] = files["index.json"]!;
      }),
    expect: "EMISMATCH",
  },
  {
    name: "tens of thousands of layers",
    build: async () => {
      const layers = Array.from({ length: 20_000 }, () => ({ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: "sha256:" + "2".repeat(64), size: 1024 }));
      return withIndex(async (files) => {
        const config = json({ architecture: "wasm", os: "wasip1", rootfs: { type: "layers", diff_ids: layers.map(() => "sha256:" + "2".repeat(64)) } });
        const cd = await digestOf(config);
        files[blobPath(cd)] = config;
        const m = json({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: cd, size: config.length }, layers });
        const md = await digestOf(m);
        files[blobPath(md)] = m;
        files["index.json"] = json({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: md, size: m.length }] });
      });
    },
    expect: "ELIMIT",
    message: /20000 layers exceed the limit of 1000/,
  },
  {
    name: "diff_ids count differs from layers",
    build: async () => (await ociLayout({ layers: [{ files: { a: "a" } }], config: { rootfs: { type: "layers", diff_ids: [] } } })).files,
    expect: "EFORMAT",
    message: /diff_ids has 0 entries for 1 layers/,
  },
  {
    name: "encrypted layer media type",
    build: async () => (await ociLayout(one({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip+encrypted" }))).files,
    expect: "EUNSUPPORTED",
  },
  {
    name: "foreign layer not in the image",
    build: async () => (await ociLayout(one({ mediaType: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", omit: true }))).files,
    expect: "EUNSUPPORTED",
    message: /non-distributable/,
  },
  {
    name: "tag not in the index",
    build: async () => (await ociLayout({ ...one(), tag: "v1" })).files,
    expect: "ETAG",
    message: /tags: v1/,
    options: { tag: "v2" },
  },
  {
    name: "several platforms, none wasm, none chosen",
    build: async () => (await ociLayout({ ...one(), platform: { os: "linux", architecture: "amd64" } }, { ...one(), platform: { os: "linux", architecture: "arm64" } })).files,
    expect: "EPLATFORM",
    message: /linux\/amd64, linux\/arm64/,
  },
  {
    name: "layer tar that is garbage",
    build: async () => (await ociLayout({ layers: [{ blob: await gzip(enc.encode("x".repeat(2000))), diffID: await digestOf(enc.encode("x".repeat(2000))) }] })).files,
    expect: "ELAYER",
  },
  {
    name: "docker-save Layers path with ..",
    build: async () => archive(await dockerArchive({ layers: [{ files: { a: "a" } }], layerPaths: ["../../etc/passwd"] })),
    expect: "EFORMAT",
    message: /leaves the archive/,
  },
  {
    name: "docker-save Layers path absolute",
    build: async () => archive(await dockerArchive({ layers: [{ files: { a: "a" } }], layerPaths: ["/etc/passwd"] })),
    expect: "EFORMAT",
    message: /leaves the archive/,
  },
  {
    name: "docker-save layer missing",
    build: async () => archive(await dockerArchive({ layers: [{ files: { a: "a" }, omit: true }] })),
    expect: "EMISSING",
  },
  {
    name: "docker-save layer diffID mismatch",
    build: async () => archive(await dockerArchive({ layers: [{ files: { a: "a" }, diffID: "sha256:" + "3".repeat(64) }] })),
    expect: "EMISMATCH",
  },
  {
    name: "archive that is not a tar",
    build: async () => enc.encode("this is not a tar archive at all".repeat(40)),
    expect: "EFORMAT",
  },
  {
    name: "gzip-compressed archive",
    build: async () => gzip(await archive((await ociLayout(one())).files)),
    expect: "EFORMAT",
    message: /decompress it first/,
  },
];

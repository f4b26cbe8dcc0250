/**
 * commitImage: a new image in the loaded image's format (OCI layout, OCI
 * archive, docker archive) with the union's upper appended as one layer, like
 * `docker commit`. The config gets the layer's diffID in rootfs.diff_ids, a
 * history entry and a new `created`; the manifest (and the OCI index) point at
 * the new config and layer. Existing layer blobs are copied as stored
 * (openBlob), never recompressed. Platform-neutral: where the files go is an
 * ImageOutput (host directory or archive file: src/host/image-output.ts; an
 * archive into any WritableStream: archiveOutput below).
 */
import type { Union } from "../core/union.ts";
import { commitStream } from "./commit-layer.ts";
import type { CommitCompression, LayerDigests } from "./commit-layer.ts";
import { digestOf, wasmHasher } from "./digest.ts";
import type { HasherFactory } from "./digest.ts";
import { ImageError } from "./errors.ts";
import type { ImageFormat, LoadedImage } from "./load.ts";
import { DOCKER_MANIFEST, OCI_CONFIG, OCI_INDEX, OCI_MANIFEST } from "./media-types.ts";
import { REF_NAME } from "./select.ts";
import { bytesBody, TarWriter } from "./tar-write.ts";

/** Scratch space for the new layer blob: its size is known only once it is written. */
export interface LayerSpool {
  write(chunk: Uint8Array): Promise<void> | void;
  /** The spooled bytes, from the start (after the last write). */
  open(): ReadableStream<Uint8Array>;
  /** Release the scratch space. */
  dispose(): Promise<void> | void;
}

/** Where a committed image's files go (layout-relative paths, sizes known up front). */
export interface ImageOutput {
  /** "dir" writes files anywhere in any order; "archive" appends them in order. */
  readonly kind: "dir" | "archive";
  spool(): Promise<LayerSpool> | LayerSpool;
  put(path: string, data: Uint8Array | ReadableStream<Uint8Array>, size: number): Promise<void>;
  /** Publish the image (archive: end marker; both: move into place). */
  finish(): Promise<void>;
  /** Drop everything written (a failed commit leaves nothing behind). */
  abort(): Promise<void>;
}

export interface CommitImageOptions {
  /** OCI ref name, or docker `repo:tag` (":latest" added when missing). Default: the loaded tag. */
  tag?: string;
  compression?: CommitCompression;
  /** The new `created` and history time (default now). */
  created?: Date;
  /** history[].created_by (default "layerfs commit"). */
  createdBy?: string;
  /** history[].comment. */
  comment?: string;
  hasher?: HasherFactory;
  /** Bytes of the existing layer blobs copied so far, of `total` (the new layer is spooled first). */
  onProgress?(p: { phase: "copy"; done: number; total: number }): void;
}

export interface BlobRef {
  digest: string;
  size: number;
}

export interface CommitImageResult {
  format: ImageFormat;
  layer: LayerDigests;
  config: BlobRef;
  manifest: BlobRef;
  /** The OCI index.json (not for docker archives). */
  index?: BlobRef;
  tag?: string;
}

const enc = new TextEncoder();
const json = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v));
const hexOf = (digest: string): string => digest.slice(digest.indexOf(":") + 1);
const blobPath = (digest: string): string => `blobs/${digest.replace(":", "/")}`;

/** Write `loaded` + the union's upper as a new image into `out` (see the module comment). */
export async function commitImage(loaded: LoadedImage, union: Union, out: ImageOutput, options: CommitImageOptions = {}): Promise<CommitImageResult> {
  const hasher = options.hasher ?? wasmHasher;
  const fail = (reason: string): never => {
    throw new ImageError("EFORMAT", "commit", undefined, reason);
  };
  try {
    // 1. The new layer, spooled (streamed: memory stays bounded).
    const s = commitStream(union, { compression: options.compression ?? "none", hasher });
    const spool = await out.spool();
    try {
      const reader = s.stream.getReader();
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        await spool.write(r.value);
      }
      const layer = await s.digests;
      const docker = loaded.format === "docker-archive";
      const dockerTypes = docker || loaded.manifestJson.mediaType === DOCKER_MANIFEST;
      const layerType = dockerTypes ? (layer.mediaType.endsWith("+gzip") ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : "application/vnd.docker.image.rootfs.diff.tar") : layer.mediaType;

      // 2. The config: diff_ids, history, created.
      const created = (options.created ?? new Date()).toISOString().replace(/\.000Z$/, "Z");
      const config = structuredClone(loaded.configJson) as Record<string, unknown>;
      const rootfs = (config.rootfs ?? { type: "layers", diff_ids: [] }) as { type?: string; diff_ids?: unknown };
      if (!Array.isArray(rootfs.diff_ids)) fail("the config has no rootfs.diff_ids list");
      const diffIDs = [...(rootfs.diff_ids as string[]), layer.diffID];
      config.rootfs = { ...rootfs, type: "layers", diff_ids: diffIDs };
      const entry: Record<string, unknown> = { created, created_by: options.createdBy ?? "layerfs commit" };
      if (options.comment !== undefined) entry.comment = options.comment;
      // Every earlier layer keeps a history entry (spec: one per non-empty layer).
      const history = Array.isArray(config.history) ? [...config.history] : loaded.layers.map(() => ({}));
      config.history = [...history, entry];
      config.created = created;
      const configBytes = json(config);
      const configRef: BlobRef = { digest: await digestOf(configBytes, "sha256", hasher), size: configBytes.length };

      // 3. Blobs: the old layers as stored, the new one, the config.
      const layerRefs: BlobRef[] = loaded.layers.map((l) => ({ digest: l.digest, size: l.size }));
      const layerName = (d: string): string => (docker ? `${hexOf(d)}.tar` : blobPath(d));
      const seen = new Set<string>();
      const total = layerRefs.reduce((n, l) => n + l.size, 0);
      let copied = 0;
      const counting = () => new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          copied += chunk.length;
          options.onProgress?.({ phase: "copy", done: copied, total });
          controller.enqueue(chunk);
        },
      });
      for (const l of layerRefs) {
        if (seen.has(l.digest)) continue;
        seen.add(l.digest);
        await out.put(layerName(l.digest), (await loaded.openBlob(l.digest)).pipeThrough(counting()), l.size);
      }
      if (!seen.has(layer.digest)) await out.put(layerName(layer.digest), spool.open(), layer.size);
      await out.put(docker ? `${hexOf(configRef.digest)}.json` : blobPath(configRef.digest), configBytes, configBytes.length);

      let result: CommitImageResult;
      if (docker) {
        // 4a. docker save: manifest.json names the config and the layer files.
        // "repo" means "repo:latest" (a ":" before the last "/" is a registry port, not a tag).
        const tags = options.tag !== undefined ? [/:[^/]*$/.test(options.tag) ? options.tag : `${options.tag}:latest`]
          : Array.isArray(loaded.manifestJson.RepoTags) ? (loaded.manifestJson.RepoTags as string[]) : [];
        const manifest = [{ Config: `${hexOf(configRef.digest)}.json`, RepoTags: tags, Layers: [...layerRefs, layer].map((l) => layerName(l.digest)) }];
        const bytes = json(manifest);
        await out.put("manifest.json", bytes, bytes.length);
        result = { format: loaded.format, layer, config: configRef, manifest: { digest: await digestOf(bytes, "sha256", hasher), size: bytes.length } };
        if (tags[0] !== undefined) result.tag = tags[0];
      } else {
        // 4b. OCI: manifest blob, then oci-layout and index.json naming it.
        const old = loaded.manifestJson;
        const oldConfig = (old.config ?? {}) as Record<string, unknown>;
        const manifest: Record<string, unknown> = {
          ...old,
          schemaVersion: 2,
          mediaType: typeof old.mediaType === "string" ? old.mediaType : OCI_MANIFEST,
          config: { ...oldConfig, mediaType: typeof oldConfig.mediaType === "string" ? oldConfig.mediaType : OCI_CONFIG, digest: configRef.digest, size: configRef.size },
          layers: [...((old.layers as unknown[]) ?? []), { mediaType: layerType, digest: layer.digest, size: layer.size }],
        };
        const mBytes = json(manifest);
        const manifestRef: BlobRef = { digest: await digestOf(mBytes, "sha256", hasher), size: mBytes.length };
        await out.put(blobPath(manifestRef.digest), mBytes, mBytes.length);
        const tag = options.tag ?? loaded.tag;
        const desc: Record<string, unknown> = { mediaType: manifest.mediaType, digest: manifestRef.digest, size: manifestRef.size };
        if (loaded.platform !== undefined) desc.platform = loaded.platform;
        if (tag !== undefined) desc.annotations = { [REF_NAME]: tag };
        const layout = json({ imageLayoutVersion: "1.0.0" });
        await out.put("oci-layout", layout, layout.length);
        const index = json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [desc] });
        await out.put("index.json", index, index.length);
        result = { format: loaded.format, layer, config: configRef, manifest: manifestRef, index: { digest: await digestOf(index, "sha256", hasher), size: index.length } };
        if (tag !== undefined) result.tag = tag;
      }
      await out.finish();
      return result;
    } finally {
      await spool.dispose();
    }
  } catch (e) {
    await out.abort();
    throw e;
  }
}

/**
 * An image archive (OCI archive or docker save) written as one tar into
 * `sink` (a file, a download); `spool` gives scratch space for the new layer,
 * `publish`/`discard` move the result into place or drop it.
 */
export function archiveOutput(
  sink: WritableStream<Uint8Array>,
  spool: () => Promise<LayerSpool> | LayerSpool,
  publish: () => Promise<void> | void = () => {},
  discard: () => Promise<void> | void = () => {},
): ImageOutput {
  const tar = new TarWriter();
  const piping = tar.readable.pipeTo(sink);
  piping.catch(() => {});
  return {
    kind: "archive",
    spool,
    async put(path, data, size) {
      const body = data instanceof Uint8Array ? bytesBody(data) : data;
      await Promise.race([tar.add({ type: "file", path, mode: 0o644, uid: 0, gid: 0, mtimeNs: 0n, size, body }), piping.then(() => {
        throw new Error("the archive output closed early");
      })]);
    },
    async finish() {
      tar.finish();
      await piping;
      await publish();
    },
    async abort() {
      tar.error(new Error("commit aborted"));
      await piping.catch(() => {});
      await discard();
    },
  };
}

/** A LayerSpool in memory (browsers, small commits). */
export function memorySpool(): LayerSpool {
  const chunks: Uint8Array[] = [];
  return {
    write: (c) => void chunks.push(c),
    open: () => new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(c);
        controller.close();
      },
    }),
    dispose: () => void (chunks.length = 0),
  };
}

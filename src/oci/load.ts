/**
 * loadImage: an OCI image layout, an OCI archive or a docker-save archive as
 * an Image of TarLayers plus its config. Every document and blob is checked
 * against its digest and size, every layer against its diffID, in the one
 * streaming pass that decompresses it into the layer cache.
 */
import { Image } from "../core/image.ts";
import type { Layer } from "../core/layer.ts";
import { MemoryLayerCache } from "./cache.ts";
import type { LayerCache } from "./cache.ts";
import { decompressPass, DecompressError, sniffCompression } from "./decompress.ts";
import type { Compression, StreamDecoder } from "./decompress.ts";
import { MemorySource, TarIndex, TarLayer } from "./deps.ts";
import type { ByteSource } from "./deps.ts";
import { parseDigest, wasmHasher } from "./digest.ts";
import type { Digest, HasherFactory } from "./digest.ts";
import { ImageError, messageOf } from "./errors.ts";
import { archiveFiles, readAll } from "./files.ts";
import type { ImageSourceFiles } from "./files.ts";
import { ociLayerType } from "./media-types.ts";
import { selectDocker, selectOci } from "./select.ts";
import type { Selected } from "./select.ts";
import type { ImageFormat, LoadContext, Platform, SelectedLayer } from "./load-context.ts";

export type { ImageFormat, Platform } from "./load-context.ts";

/** The runtime-relevant part of an image config (OCI names, camelCase). */
export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  labels?: Record<string, string>;
}

/** One layer as the manifest describes it (docker-save layers: OCI media type by content). */
export interface LayerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  diffID: string;
}

/** A loaded image: the layers as an Image, its config, and what commit needs to write a successor. */
export interface LoadedImage {
  /** TarLayers, bottom first. */
  readonly image: Image;
  readonly config: ImageConfig;
  readonly format: ImageFormat;
  /** The raw config document. */
  readonly configJson: Record<string, unknown>;
  /** The selected manifest (OCI or docker; for docker-save archives the manifest.json entry). */
  readonly manifestJson: Record<string, unknown>;
  /** Bottom first. */
  readonly layers: readonly LayerDescriptor[];
  /** The selected ref name (OCI) or RepoTag (docker). */
  readonly tag?: string;
  readonly platform?: Platform;
  /** A stored blob's raw bytes (config, manifest or layer, as stored). */
  openBlob(digest: string): Promise<ReadableStream<Uint8Array>>;
  /** Close the layers' byte sources and the image files. */
  close(): void;
}

/** Progress of one layer: `layer` is the 0-based index (bottom first), bytes are of the stored blob. */
export interface LoadProgress {
  layer: number;
  layers: number;
  digest: string;
  done: number;
  total: number;
  phase: "verify" | "decompress" | "cached";
}

export interface LoadImageOptions {
  /** OCI ref name (`org.opencontainers.image.ref.name`) or docker RepoTag (`repo:tag`). Needed only when the image holds several. */
  tag?: string;
  /** `os/arch[/variant]`, for multi-platform indexes without a wasm (wasip1/wasm) manifest. */
  platform?: string;
  /** Where decompressed layers go (default: a fresh MemoryLayerCache; the Node/Deno path loaders use the file cache). */
  cache?: LayerCache;
  onProgress?(p: LoadProgress): void;
  /** Incremental hasher (default hash-wasm; the Node/Deno entries pass node:crypto). */
  hasher?: HasherFactory;
  /** gzip decoder (default DecompressionStream; the Node/Deno entries pass node:zlib, about 2× faster). */
  gunzip?: StreamDecoder;
  /** Most layers accepted (default 1000). */
  maxLayers?: number;
  /** Most uncompressed bytes per layer (default 64 GiB): the bound on a decompression bomb. */
  maxLayerBytes?: number;
  /** Largest JSON document read (index, manifest, config; default 4 MiB, as containerd). */
  maxDocumentBytes?: number;
}

export const DEFAULT_MAX_LAYERS = 1000;
export const DEFAULT_MAX_LAYER_BYTES = 64 * 2 ** 30;
export const DEFAULT_MAX_DOCUMENT_BYTES = 4 * 2 ** 20;

/**
 * Load an image from bytes, a Blob or a Response (an OCI or docker-save
 * archive), or from ImageSourceFiles (a layout directory: see the host entries'
 * `loadImage(path)`).
 *
 * @example
 * ```ts
 * const loaded = await loadImage(await fetch("/images/hello.tar"));
 * const union = new Union(loaded.image, new MemoryLayer());
 * loaded.config.entrypoint; // ["/bin/hello.wasm"]
 * ```
 */
export async function loadImage(source: Uint8Array | Blob | Response | ImageSourceFiles, options: LoadImageOptions = {}): Promise<LoadedImage> {
  if (source instanceof Uint8Array) return loadArchive(new MemorySource(source), "image archive (bytes)", options);
  if (typeof Response !== "undefined" && source instanceof Response) {
    const name = source.url !== "" ? source.url : "image archive (Response)";
    if (!source.ok) throw new ImageError("EMISSING", name, undefined, `HTTP ${source.status} ${source.statusText}`);
    return loadArchive(new MemorySource(new Uint8Array(await source.arrayBuffer())), name, options);
  }
  if (typeof Blob !== "undefined" && source instanceof Blob) {
    const name = (source as { name?: string }).name ?? "image archive (Blob)";
    return loadArchive(new MemorySource(new Uint8Array(await source.arrayBuffer())), name, options);
  }
  return loadFromFiles(source as ImageSourceFiles, false, options);
}

/** Load an OCI or docker-save archive held by `archive` (members read in place). */
export async function loadArchive(archive: ByteSource, name: string, options: LoadImageOptions = {}, archiveIdentity?: string): Promise<LoadedImage> {
  const head = new Uint8Array(Math.min(4, archive.size));
  archive.read(head, 0);
  const c = sniffCompression(head);
  if (c !== "none") throw new ImageError("EFORMAT", name, undefined, `the archive itself is ${c}-compressed; decompress it first (an image archive is a plain tar)`);
  let files: ImageSourceFiles;
  try {
    files = archiveFiles(archive, name, archiveIdentity);
  } catch (e) {
    throw new ImageError("EFORMAT", name, undefined, `not a readable tar archive: ${messageOf(e)}`, { cause: e });
  }
  return loadFromFiles(files, true, options);
}

/** Load from image files; `archive` says whether they are an archive's members (for the format name). */
export async function loadFromFiles(files: ImageSourceFiles, archive: boolean, options: LoadImageOptions = {}): Promise<LoadedImage> {
  const ctx: LoadContext = context(files, archive, options);
  const opened: ByteSource[] = [];
  try {
    const hasLayout = (await files.size("oci-layout")) !== undefined;
    const hasDocker = archive && (await files.size("manifest.json")) !== undefined;
    let selected: Selected;
    if (hasDocker) {
      // docker save (docker >= 25 also writes an OCI layout beside manifest.json: its RepoTags
      // name the images; the OCI index is used only for a tag that is a ref name there alone).
      selected = (await selectDocker(ctx, hasLayout)) ?? (await selectOci(ctx));
    } else if (hasLayout) {
      selected = await selectOci(ctx);
    } else {
      ctx.fail("EFORMAT", undefined, archive ? "neither an OCI archive (no oci-layout) nor a docker save archive (no manifest.json)" : "not an OCI image layout (no oci-layout file)");
    }
    const { layers, descriptors } = await loadLayers(ctx, selected, options, opened);
    const byDigest = new Map<string, string>(selected.blobPaths);
    const loaded: LoadedImage = {
      image: new Image(layers),
      config: imageConfig(selected.configJson),
      format: selected.format,
      configJson: selected.configJson,
      manifestJson: selected.manifestJson,
      layers: descriptors,
      ...(selected.tag !== undefined ? { tag: selected.tag } : {}),
      ...(selected.platform !== undefined ? { platform: selected.platform } : {}),
      async openBlob(digest: string) {
        const d = parseDigest(digest);
        if (typeof d === "string") ctx.fail("EDIGEST", undefined, d);
        const path = byDigest.get(d.text) ?? (hasLayout ? `blobs/${d.algorithm}/${d.hex}` : undefined);
        if (path === undefined || (await files.size(path)) === undefined) ctx.fail("EMISSING", `blob ${d.text}`, "not in the image");
        return toReadableStream(files.stream(path));
      },
      close() {
        for (const s of opened.splice(0)) s.close?.();
        files.close?.();
      },
    };
    return loaded;
  } catch (e) {
    for (const s of opened) s.close?.();
    files.close?.();
    throw e;
  }
}

function context(files: ImageSourceFiles, archive: boolean, o: LoadImageOptions): LoadContext {
  const fail: LoadContext["fail"] = (code, where, reason, cause) => {
    throw new ImageError(code, files.name, where, reason, cause !== undefined ? { cause } : undefined);
  };
  const maxDocumentBytes = o.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const hasher = o.hasher ?? wasmHasher;
  return {
    files,
    archive,
    tag: o.tag,
    platform: o.platform,
    hasher,
    gunzip: o.gunzip,
    maxLayers: o.maxLayers ?? DEFAULT_MAX_LAYERS,
    maxLayerBytes: o.maxLayerBytes ?? DEFAULT_MAX_LAYER_BYTES,
    maxDocumentBytes,
    fail,
    async readJson(path, expect = {}) {
      const where = expect.digest !== undefined ? `${path} (${expect.digest.text})` : path;
      const size = await files.size(path);
      if (size === undefined) fail("EMISSING", where, expect.digest !== undefined ? "blob is missing" : "file is missing");
      if (expect.size !== undefined && size !== expect.size) fail("EMISMATCH", where, `size is ${size} bytes, the descriptor says ${expect.size}`);
      if (size > maxDocumentBytes) fail("ELIMIT", where, `document of ${size} bytes exceeds the limit of ${maxDocumentBytes} (maxDocumentBytes)`);
      const bytes = await readAll(files, path, size);
      if (expect.digest !== undefined) {
        const h = await hasher(expect.digest.algorithm);
        h.update(bytes);
        const got = `${expect.digest.algorithm}:${h.digestHex()}`;
        if (got !== expect.digest.text) fail("EMISMATCH", where, `content digest is ${got}`);
      }
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
      } catch (e) {
        fail("EFORMAT", where, `not valid JSON: ${messageOf(e)}`, e);
      }
      if (typeof json !== "object" || json === null) fail("EFORMAT", where, "not a JSON object");
      return { json: json as Record<string, unknown>, bytes };
    },
  };
}

async function loadLayers(ctx: LoadContext, sel: Selected, o: LoadImageOptions, opened: ByteSource[]): Promise<{ layers: Layer[]; descriptors: LayerDescriptor[] }> {
  const cache: LayerCache = o.cache ?? new MemoryLayerCache();
  const layers: Layer[] = [];
  const descriptors: LayerDescriptor[] = [];
  const count = sel.layers.length;
  for (let i = 0; i < count; i++) {
    const L = sel.layers[i]!;
    const where = `layer ${i} (${L.digest?.text ?? L.path})`;
    const size = await ctx.files.size(L.path);
    if (size === undefined) {
      if (L.foreign) ctx.fail("EUNSUPPORTED", where, `non-distributable layer is not in the image (layerfs does not fetch ${L.urls.length > 0 ? L.urls.join(", ") : "foreign layers"})`);
      ctx.fail("EMISSING", where, `blob ${L.path} is missing`);
    }
    if (L.size !== undefined && size !== L.size) ctx.fail("EMISMATCH", where, `blob is ${size} bytes, the manifest says ${L.size}`);
    const progress = (phase: LoadProgress["phase"], done: number): void =>
      o.onProgress?.({ layer: i, layers: count, digest: L.digest?.text ?? L.diffID.text, done, total: size, phase });

    let source: ByteSource | undefined = await cache.get(L.diffID.text);
    let compression = L.compression;
    let blobDigest = L.digest?.text;
    const identity = ctx.files.identity?.(L.path);
    if (source === undefined && identity !== undefined && (await cache.verifiedInPlace?.(L.diffID.text, identity, false)) === true) {
      // An uncompressed blob verified in place before, unchanged since: used again without hashing.
      source = ctx.files.source?.(L.path);
      compression = "none";
    }
    if (source !== undefined) {
      progress("cached", size);
      compression ??= await sniffBlob(ctx.files, L.path);
    } else {
      const r = await verifyAndCache(ctx, L, size, where, cache, progress);
      source = r.source;
      compression = r.compression;
      blobDigest = r.blobDigest;
      if (r.inPlace && identity !== undefined) await cache.verifiedInPlace?.(L.diffID.text, identity, true);
    }
    opened.push(source);
    const layerName = `${ctx.files.name} ${where}`;
    try {
      // A saved index (content-addressed by diffID, like the tar) spares the header scan.
      let index: TarIndex | undefined;
      const saved = await cache.getIndex?.(L.diffID.text);
      if (saved !== undefined) {
        try {
          index = TarIndex.fromBytes(saved, source.size);
        } catch {
          index = undefined; // corrupt or stale: rebuilt below
        }
      }
      const layer = new TarLayer(source, { name: layerName, ...(index !== undefined ? { index } : {}) });
      if (index === undefined && cache.putIndex !== undefined) await cache.putIndex(L.diffID.text, layer.index.toBytes());
      layers.push(layer);
    } catch (e) {
      const m = messageOf(e);
      ctx.fail("ELAYER", where, `layer tar is unreadable: ${m.startsWith(layerName + ": ") ? m.slice(layerName.length + 2) : m}`, e);
    }
    const mediaType = L.mediaType ?? ociLayerType(compression);
    // A docker-save layer without a digest in its path: the uncompressed blob's digest is its diffID.
    descriptors.push({ mediaType, digest: blobDigest ?? L.diffID.text, size, diffID: L.diffID.text });
  }
  return { layers, descriptors };
}

async function verifyAndCache(
  ctx: LoadContext,
  L: SelectedLayer,
  size: number,
  where: string,
  cache: LayerCache,
  progress: (phase: LoadProgress["phase"], done: number) => void,
): Promise<{ source: ByteSource; compression: Compression; blobDigest: string; inPlace: boolean }> {
  // Peek at the first chunk to tell the compression by its magic bytes.
  const it = ctx.files.stream(L.path)[Symbol.asyncIterator]();
  const first = await it.next();
  const head = first.done === true ? new Uint8Array(0) : first.value;
  const sniffed = sniffCompression(head);
  if (L.compression !== undefined && L.compression !== "none" && sniffed !== L.compression) {
    ctx.fail("EMISMATCH", where, `media type says ${L.compression} but the blob ${sniffed === "none" ? "is not compressed" : `is ${sniffed}`}`);
  }
  const input: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      if (first.done !== true) yield head;
      for (;;) {
        const r = await it.next();
        if (r.done === true) return;
        yield r.value;
      }
    },
  };
  const blobAlgorithm = L.digest?.algorithm ?? "sha256";
  const check = (r: { blobDigest: string; diffID: string }): void => {
    if (L.digest !== undefined && r.blobDigest !== L.digest.text) ctx.fail("EMISMATCH", where, `blob digest is ${r.blobDigest}`);
    if (r.diffID !== L.diffID.text) ctx.fail("EMISMATCH", where, `uncompressed content digest is ${r.diffID}, the config's diff_id is ${L.diffID.text}`);
  };
  const inPlace = sniffed === "none" ? ctx.files.source?.(L.path) : undefined;
  if (inPlace !== undefined) {
    // An uncompressed blob with random access is used where it is, once verified.
    try {
      const r = await pass(ctx, input, "none", blobAlgorithm, L, where, () => {}, (d) => progress("verify", d));
      check(r);
      return { source: inPlace, compression: "none", blobDigest: r.blobDigest, inPlace: true };
    } catch (e) {
      inPlace.close?.();
      throw e;
    }
  }
  const writer = await cache.create(L.diffID.text);
  try {
    const r = await pass(ctx, input, sniffed, blobAlgorithm, L, where, (c) => writer.write(c), (d) => progress("decompress", d));
    check(r);
    return { source: await writer.commit(r.blobDigest), compression: sniffed, blobDigest: r.blobDigest, inPlace: false };
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

async function pass(
  ctx: LoadContext,
  input: AsyncIterable<Uint8Array>,
  compression: Compression,
  blobAlgorithm: Digest["algorithm"],
  L: SelectedLayer,
  where: string,
  sink: (c: Uint8Array) => Promise<void> | void,
  onInput: (done: number) => void,
): Promise<{ blobDigest: string; diffID: string }> {
  try {
    return await decompressPass(input, { compression, blobAlgorithm, diffAlgorithm: L.diffID.algorithm, hasher: ctx.hasher, ...(ctx.gunzip !== undefined ? { gunzip: ctx.gunzip } : {}), maxBytes: ctx.maxLayerBytes, sink, onInput });
  } catch (e) {
    if (e instanceof DecompressError) ctx.fail(e.kind === "limit" ? "ELIMIT" : "ECORRUPT", where, e.message, e);
    if (e instanceof ImageError) throw e;
    if (e instanceof RangeError) ctx.fail("ELIMIT", where, e.message, e); // the memory cache's entry limit
    ctx.fail("ECORRUPT", where, messageOf(e), e);
  }
}

/** The compression of a stored blob, from its first bytes. */
async function sniffBlob(files: ImageSourceFiles, path: string): Promise<Compression> {
  const src = files.source?.(path);
  if (src !== undefined) {
    const head = new Uint8Array(Math.min(4, src.size));
    src.read(head, 0);
    src.close?.();
    return sniffCompression(head);
  }
  const it = files.stream(path)[Symbol.asyncIterator]();
  const first = await it.next();
  await it.return?.();
  return first.done === true ? "none" : sniffCompression(first.value);
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((s) => typeof s === "string") ? (v as string[]) : undefined;
}

/** The runtime fields of a config document (OCI `config`, docker `config`/`container_config`). */
export function imageConfig(configJson: Record<string, unknown>): ImageConfig {
  const c = configJson.config;
  if (typeof c !== "object" || c === null) return {};
  const r = c as Record<string, unknown>;
  const out: ImageConfig = {};
  const entrypoint = strings(r.Entrypoint);
  const cmd = strings(r.Cmd);
  const env = strings(r.Env);
  if (entrypoint !== undefined) out.entrypoint = entrypoint;
  if (cmd !== undefined) out.cmd = cmd;
  if (env !== undefined) out.env = env;
  if (typeof r.WorkingDir === "string" && r.WorkingDir !== "") out.workingDir = r.WorkingDir;
  if (typeof r.User === "string" && r.User !== "") out.user = r.User;
  if (typeof r.Labels === "object" && r.Labels !== null) {
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.Labels)) if (typeof v === "string") labels[k] = v;
    out.labels = labels;
  }
  return out;
}

function toReadableStream(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await it.next();
      if (r.done === true) controller.close();
      else controller.enqueue(r.value.slice());
    },
    async cancel() {
      await it.return?.();
    },
  });
}

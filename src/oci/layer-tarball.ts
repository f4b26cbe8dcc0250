/**
 * A standalone layer tarball (`--layer layer.tar[.gz|.zst]`) as a TarLayer.
 * The compression is told by content. A plain tar is used in place; a
 * compressed one is decompressed once into the layer cache, keyed by the
 * diffID, with a link from the blob digest so the next open finds it by
 * hashing the blob (no decompression). Without a diffID to check against, a
 * cold open decompresses twice: once to learn the diffID, once into the cache
 * entry named by it.
 */
import type { LayerCache } from "./cache.ts";
import { decompressPass, DecompressError, sniffCompression } from "./decompress.ts";
import { TarLayer } from "./deps.ts";
import type { ByteSource } from "./deps.ts";
import { wasmHasher } from "./digest.ts";
import type { HasherFactory } from "./digest.ts";
import { ImageError, messageOf } from "./errors.ts";
import { streamSource } from "./files.ts";
import { DEFAULT_MAX_LAYER_BYTES } from "./load.ts";

export interface LayerTarballOptions {
  cache: LayerCache;
  hasher?: HasherFactory;
  maxLayerBytes?: number;
  /** Compressed bytes read so far, of `total`, per pass. */
  onProgress?(done: number, total: number, phase: "verify" | "decompress"): void;
}

/** Open `source` (named `name` in errors) as a TarLayer; the caller keeps `source` open only for plain tars (it is the layer's). */
export async function openLayerTarball(source: ByteSource, name: string, o: LayerTarballOptions): Promise<TarLayer> {
  const head = new Uint8Array(Math.min(4, source.size));
  source.read(head, 0);
  const compression = sniffCompression(head);
  const index = (s: ByteSource): TarLayer => {
    try {
      return new TarLayer(s, { name });
    } catch (e) {
      throw new ImageError("ELAYER", name, undefined, `not a readable layer tar: ${messageOf(e)}`, { cause: e });
    }
  };
  if (compression === "none") return index(source);
  const hasher = o.hasher ?? wasmHasher;
  const total = source.size;
  try {
    const blobHash = await hasher("sha256");
    for await (const c of streamSource(source)) blobHash.update(c);
    const blobDigest = `sha256:${blobHash.digestHex()}`;
    const known = await o.cache.diffIDOf?.(blobDigest);
    const hit = known !== undefined ? await o.cache.get(known) : undefined;
    if (hit !== undefined) return index(hit);
    const pass = (sink: (c: Uint8Array) => Promise<void> | void, phase: "verify" | "decompress") =>
      decompressPass(streamSource(source), {
        compression, blobAlgorithm: "sha256", diffAlgorithm: "sha256", hasher,
        maxBytes: o.maxLayerBytes ?? DEFAULT_MAX_LAYER_BYTES, sink, onInput: (d) => o.onProgress?.(d, total, phase),
      });
    const first = await pass(() => {}, "verify");
    const cached = await o.cache.get(first.diffID);
    if (cached !== undefined) return index(cached);
    const writer = await o.cache.create(first.diffID);
    try {
      const second = await pass((c) => writer.write(c), "decompress");
      if (second.diffID !== first.diffID) throw new Error("the file changed while being read");
      return index(await writer.commit(blobDigest));
    } catch (e) {
      await writer.abort();
      throw e;
    }
  } catch (e) {
    if (e instanceof ImageError) throw e;
    const code = e instanceof DecompressError && e.kind === "limit" ? "ELIMIT" : "ECORRUPT";
    throw new ImageError(code, name, undefined, `${compression} layer: ${messageOf(e)}`, { cause: e });
  } finally {
    source.close?.();
  }
}

/**
 * One streaming pass over a layer blob: hash the compressed bytes, decompress
 * (gzip: DecompressionStream; zstd: fzstd, pure JS), hash the uncompressed
 * bytes, count them against a limit, and hand them on (to a cache entry).
 * Nothing is buffered beyond a chunk or two.
 */
import { Decompress } from "fzstd";
import type { DigestAlgorithm, HasherFactory } from "./digest.ts";

export type Compression = "gzip" | "zstd" | "none";

/** Compression named by the first bytes (gzip 1f 8b, zstd 28 b5 2f fd), else "none". */
export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "none";
}

/** Why a pass failed: the stream is corrupt, or the output exceeded the limit. */
export class DecompressError extends Error {
  readonly kind: "corrupt" | "limit";
  constructor(kind: "corrupt" | "limit", message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}

/** A streaming gzip decoder: compressed chunks in, uncompressed chunks out (a host may supply a faster one than DecompressionStream). */
export type StreamDecoder = (input: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>;

export interface PassOptions {
  /** gzip decoder (default: DecompressionStream). */
  gunzip?: StreamDecoder;
  compression: Compression;
  blobAlgorithm: DigestAlgorithm;
  diffAlgorithm: DigestAlgorithm;
  hasher: HasherFactory;
  /** Most uncompressed bytes accepted (decompression bombs stop here). */
  maxBytes: number;
  /** Receives the uncompressed bytes in order. */
  sink(chunk: Uint8Array): Promise<void> | void;
  /** Compressed bytes consumed so far. */
  onInput?(done: number): void;
}

export interface PassResult {
  blobDigest: string;
  diffID: string;
  compressedBytes: number;
  uncompressedBytes: number;
}

/** Run the pass over `input` (the blob's bytes). Throws DecompressError or whatever `sink` throws. */
export async function decompressPass(input: AsyncIterable<Uint8Array>, o: PassOptions): Promise<PassResult> {
  const blobHash = await o.hasher(o.blobAlgorithm);
  const sameHash = o.compression === "none" && o.blobAlgorithm === o.diffAlgorithm;
  const diffHash = sameHash ? blobHash : await o.hasher(o.diffAlgorithm);
  let compressedBytes = 0;
  let uncompressedBytes = 0;
  const counted = async function* (): AsyncIterable<Uint8Array> {
    for await (const chunk of input) {
      blobHash.update(chunk);
      compressedBytes += chunk.length;
      o.onInput?.(compressedBytes);
      yield chunk;
    }
  };
  // Synchronous up to the sink, so a zstd block can be counted and written as it is decoded.
  const emit = (chunk: Uint8Array): Promise<void> | void => {
    uncompressedBytes += chunk.length;
    if (uncompressedBytes > o.maxBytes) {
      throw new DecompressError("limit", `uncompressed size exceeds the limit of ${o.maxBytes} bytes (maxLayerBytes): refusing a possible decompression bomb`);
    }
    if (!sameHash) diffHash.update(chunk);
    return o.sink(chunk);
  };
  if (o.compression === "none") for await (const chunk of counted()) await emit(chunk);
  else if (o.compression === "gzip" && o.gunzip !== undefined) await decodeWith(o.gunzip, counted(), emit);
  else if (o.compression === "gzip") await gunzip(counted(), emit);
  else await unzstd(counted(), emit);
  const blobHex = blobHash.digestHex();
  return {
    blobDigest: `${o.blobAlgorithm}:${blobHex}`,
    diffID: `${o.diffAlgorithm}:${sameHash ? blobHex : diffHash.digestHex()}`,
    compressedBytes,
    uncompressedBytes,
  };
}

type Emit = (chunk: Uint8Array) => Promise<void> | void;

/** Run a host decoder; its own errors become "corrupt", those of the input or the sink pass through. */
async function decodeWith(decode: StreamDecoder, input: AsyncIterable<Uint8Array>, emit: Emit): Promise<void> {
  const passThrough = new Set<unknown>();
  const tracked = async function* (): AsyncIterable<Uint8Array> {
    try {
      yield* input;
    } catch (e) {
      passThrough.add(e);
      throw e;
    }
  };
  try {
    for await (const chunk of decode(tracked())) {
      try {
        await emit(chunk);
      } catch (e) {
        passThrough.add(e);
        throw e;
      }
    }
  } catch (e) {
    if (passThrough.has(e) || e instanceof DecompressError) throw e;
    throw new DecompressError("corrupt", `corrupt gzip stream: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

async function gunzip(input: AsyncIterable<Uint8Array>, emit: Emit): Promise<void> {
  const ds = new DecompressionStream("gzip");
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  let inputError: unknown;
  const feeding = (async () => {
    try {
      for await (const chunk of input) await writer.write(chunk as Uint8Array<ArrayBuffer>);
      await writer.close();
    } catch (e) {
      inputError ??= e;
      await writer.abort(e).catch(() => {});
    }
  })();
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        if (inputError !== undefined) throw inputError;
        throw new DecompressError("corrupt", `corrupt gzip stream: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      if (r.done) break;
      await emit(r.value);
    }
  } catch (e) {
    await reader.cancel(e).catch(() => {});
    await feeding;
    throw e;
  }
  await feeding;
  if (inputError !== undefined) throw inputError;
}

/**
 * Largest zstd window accepted: fzstd allocates the whole window up front (up to
 * 2 GiB as the frame header claims), so a hostile header is refused here first.
 * 128 MiB covers `zstd --ultra -22` and `--long=27`.
 */
export const MAX_ZSTD_WINDOW = 128 * 2 ** 20;

/** The window a zstd frame header (at the start of `head`) asks for, or undefined if `head` is too short. */
export function zstdWindowSize(head: Uint8Array): number | undefined {
  if (head.length < 6) return undefined;
  const fhd = head[4]!;
  const singleSegment = (fhd & 0x20) !== 0;
  if (!singleSegment) {
    const wd = head[5]!;
    const base = 2 ** (10 + (wd >> 3));
    return base + (base / 8) * (wd & 7);
  }
  // Single segment: the window is the frame content size.
  const fcsFlag = fhd >> 6;
  const dictBytes = [0, 1, 2, 4][fhd & 3]!;
  const fcsBytes = [1, 2, 4, 8][fcsFlag]!;
  const at = 5 + dictBytes;
  if (head.length < at + fcsBytes) return undefined;
  let v = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) v = v * 256 + head[at + i]!;
  return fcsBytes === 2 ? v + 256 : v;
}

/** zstd input is fed in slices: one RLE block turns 4 bytes into 128 KiB, so a slice bounds what one push can produce. */
const ZSTD_SLICE = 64 * 1024;

async function unzstd(input: AsyncIterable<Uint8Array>, emit: Emit): Promise<void> {
  // Each decoded block goes straight to emit (counted against the limit, hashed, written);
  // an asynchronous sink is chained so blocks stay in order.
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  const z = new Decompress((data) => {
    if (failure !== undefined) return;
    try {
      const r = emit(data);
      if (r !== undefined) chain = chain.then(() => r);
    } catch (e) {
      failure = e;
    }
  });
  const push = (chunk: Uint8Array, final: boolean): void => {
    try {
      z.push(chunk, final);
    } catch (e) {
      const code = (e as { code?: number }).code;
      const why =
        code === 1
          ? "its window is larger than the zstd decoder (fzstd) supports; recompress with a smaller window"
          : e instanceof Error
            ? e.message
            : String(e);
      throw new DecompressError("corrupt", `corrupt zstd stream: ${why}`, { cause: e });
    }
    if (failure !== undefined) throw failure;
  };
  let any = false;
  for await (const chunk of input) {
    if (!any) {
      const window = zstdWindowSize(chunk);
      if (window !== undefined && window > MAX_ZSTD_WINDOW) {
        throw new DecompressError("corrupt", `zstd frame asks for a ${Math.round(window / 2 ** 20)} MiB window, more than the ${MAX_ZSTD_WINDOW / 2 ** 20} MiB layerfs accepts (fzstd allocates it whole); recompress with a smaller window`);
      }
    }
    any = true;
    for (let at = 0; at < chunk.length; at += ZSTD_SLICE) {
      push(chunk.subarray(at, at + ZSTD_SLICE), false);
      await chain;
    }
  }
  if (!any) throw new DecompressError("corrupt", "corrupt zstd stream: empty");
  push(new Uint8Array(0), true);
  await chain;
}

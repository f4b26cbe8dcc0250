/**
 * Where an image's files come from. A loader only needs, per layout-relative
 * path ("index.json", "blobs/sha256/<hex>", "manifest.json", "<id>/layer.tar"):
 * its size, its bytes as a stream, and, where the bytes are local, random
 * access (a ByteSource) so an uncompressed blob can be used in place.
 *
 * Implementations: a layout directory (host: FileSource per blob), the members
 * of an archive tar (views or preads into the one tar, no extraction), or a
 * caller's own object. An HTTP source fits the same shape: `size` from HEAD,
 * `stream` from GET (or ranged GETs), no `source`.
 */
import type { ByteSource } from "./deps.ts";
import { indexTar, KIND_FILE, MemorySource } from "./deps.ts";

/** Where an image's files come from (see the module comment). */
export interface ImageSourceFiles {
  /** Shown in messages: the directory, archive or URL. */
  readonly name: string;
  /** Size of the file at `path`, or undefined if it does not exist (or is not a regular file). */
  size(path: string): Promise<number | undefined> | number | undefined;
  /** The bytes of the file at `path`, in chunks, in order. */
  stream(path: string): AsyncIterable<Uint8Array>;
  /** Optional: random access to the file (local bytes only). The caller closes it. */
  source?(path: string): ByteSource | undefined;
  /**
   * Optional: a string that changes whenever the file's bytes may have (device,
   * inode, size, mtime), so a cache can remember an uncompressed blob it verified
   * in place (`LayerCache.verifiedInPlace`) and skip hashing it next time.
   */
  identity?(path: string): string | undefined;
  /** Release whatever the files hold (file handles). */
  close?(): void;
}

/** Bytes per chunk when streaming from a ByteSource. */
export const STREAM_CHUNK = 1 << 20;

/** Stream a ByteSource (or a range of it) in chunks: views where the source has them, else preads. */
export async function* streamSource(source: ByteSource, start = 0, length = source.size - start): AsyncIterable<Uint8Array> {
  const end = start + length;
  for (let pos = start; pos < end; ) {
    const n = Math.min(STREAM_CHUNK, end - pos);
    let chunk = source.view?.(pos, n);
    if (chunk === undefined) {
      const buf = new Uint8Array(n);
      const got = source.read(buf, pos);
      if (got <= 0) throw new Error(`unexpected end of data at offset ${pos}`);
      chunk = got === n ? buf : buf.subarray(0, got);
    }
    pos += chunk.length;
    yield chunk;
  }
}

/** Read a whole (small) file; the caller has checked its size. Random access (one pread) when the files offer it. */
export async function readAll(files: ImageSourceFiles, path: string, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  const src = files.source?.(path);
  if (src !== undefined) {
    try {
      if (src.size !== size) throw new Error(`${path} changed size while being read`);
      for (let at = 0; at < size; ) {
        const n = src.read(out.subarray(at), at);
        if (n <= 0) throw new Error(`${path} shrank while being read`);
        at += n;
      }
      return out;
    } finally {
      src.close?.();
    }
  }
  let at = 0;
  for await (const chunk of files.stream(path)) {
    if (at + chunk.length > size) throw new Error(`${path} grew while being read`);
    out.set(chunk, at);
    at += chunk.length;
  }
  if (at !== size) throw new Error(`${path} shrank while being read (${at} of ${size} bytes)`);
  return out;
}

/** A window [offset, offset+size) of another source (an archive member). Closing it leaves the parent open. */
export class SliceSource implements ByteSource {
  readonly size: number;
  readonly #parent: ByteSource;
  readonly #offset: number;
  constructor(parent: ByteSource, offset: number, size: number) {
    this.#parent = parent;
    this.#offset = offset;
    this.size = size;
  }
  read(into: Uint8Array, position: number): number {
    if (position >= this.size) return 0;
    const n = Math.min(into.length, this.size - position);
    return this.#parent.read(n === into.length ? into : into.subarray(0, n), this.#offset + position);
  }
  view(position: number, length: number): Uint8Array | undefined {
    if (position + length > this.size) return undefined;
    return this.#parent.view?.(this.#offset + position, length);
  }
}

/**
 * The files of an image archive (a tar of an OCI layout, or a docker save),
 * read in place: one header scan, then every member is a slice of `archive`.
 * Later members win, as in extraction; "./" prefixes are dropped (indexTar).
 * `archiveIdentity` (the archive file's identity) lets members be remembered as verified.
 */
export function archiveFiles(archive: ByteSource, name: string, archiveIdentity?: string): ImageSourceFiles {
  const index = indexTar(archive, { onWarning: () => {} });
  const member = (path: string): { offset: number; size: number } | undefined => {
    const node = index.lookup(path);
    if (node < 0 || index.kind[node] !== KIND_FILE) return undefined;
    return { offset: index.offset[node]!, size: index.size[node]! };
  };
  return {
    name,
    size: (path) => member(path)?.size,
    stream(path) {
      const m = member(path);
      if (m === undefined) throw new Error(`${path}: not in the archive`);
      return streamSource(archive, m.offset, m.size);
    },
    source(path) {
      const m = member(path);
      return m === undefined ? undefined : new SliceSource(archive, m.offset, m.size);
    },
    ...(archiveIdentity !== undefined
      ? {
          identity(path: string) {
            const m = member(path);
            return m === undefined ? undefined : `${archiveIdentity}@${m.offset}+${m.size}`;
          },
        }
      : {}),
    close: () => archive.close?.(),
  };
}

/** Files held in memory, by layout-relative path (tests, generated images, browser uploads). */
export function memoryFiles(entries: Record<string, Uint8Array | string>, name = "memory image"): ImageSourceFiles {
  const enc = new TextEncoder();
  const map = new Map(Object.entries(entries).map(([k, v]) => [k, typeof v === "string" ? enc.encode(v) : v]));
  return {
    name,
    size: (path) => map.get(path)?.length,
    async *stream(path) {
      const b = map.get(path);
      if (b === undefined) throw new Error(`${path}: no such file`);
      yield b;
    },
    source(path) {
      const b = map.get(path);
      return b === undefined ? undefined : new MemorySource(b);
    },
  };
}

/**
 * Images from the host filesystem (Node and Deno, both through node:fs):
 * `loadImage(path)` for a layout directory or an archive file (kind told by
 * content), the file layer cache, and node:crypto hashing.
 */
import { once } from "node:events";
import type { ZlibOptions } from "node:zlib";
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { ByteSource } from "../sources/byte-source.ts";
import type { LayerCache, LayerCacheWriter } from "../oci/cache.ts";
import type { HasherFactory } from "../oci/digest.ts";
import { parseDigest } from "../oci/digest.ts";
import { ImageError, messageOf } from "../oci/errors.ts";
import { STREAM_CHUNK } from "../oci/files.ts";
import type { ImageSourceFiles } from "../oci/files.ts";
import { loadArchive, loadFromFiles } from "../oci/load.ts";
import type { LoadedImage, LoadImageOptions } from "../oci/load.ts";
import { parseImageRef } from "../oci/image-ref.ts";
import type { ImageRef } from "../oci/image-ref.ts";

/** Opens a host file as a pread ByteSource (NodeFileSource or DenoFileSource). */
export type OpenFileSource = (path: string) => ByteSource;

// node:crypto and node:zlib are imported at first use: loading them cost each
// `layerfs run` about 4 ms, which one over host directories alone need not pay.

/** node:crypto hashes (native; faster than the wasm default). */
export const nodeHasher: HasherFactory = async (algorithm) => {
  const { createHash } = await import("node:crypto");
  const h = createHash(algorithm);
  return { update: (b) => void h.update(b), digestHex: () => h.digest("hex") };
};

/**
 * gzip through node:zlib with 1 MiB output chunks: about 2× DecompressionStream
 * (which hands out 16 KiB chunks, each a promise) and faster than gzip -dc here.
 */
async function* nodeGunzip(input: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const { createGunzip } = await import("node:zlib");
  // Large high-water marks let zlib (thread pool) run ahead while this thread hashes and writes.
  const z = createGunzip({ chunkSize: 1 << 20, readableHighWaterMark: 8 << 20, writableHighWaterMark: 4 << 20 } as ZlibOptions);
  const stop = new AbortController();
  const feeding = (async () => {
    try {
      for await (const chunk of input) {
        if (!z.write(chunk)) await once(z, "drain", { signal: stop.signal });
      }
      z.end();
    } catch (e) {
      if (!stop.signal.aborted) z.destroy(e as Error);
    }
  })();
  try {
    for await (const out of z) yield out as Uint8Array;
  } finally {
    stop.abort();
    z.destroy();
    await feeding;
  }
}

/** The cache directory: $LAYERFS_CACHE, else $XDG_CACHE_HOME/layerfs, else ~/.cache/layerfs. */
export function defaultCacheDir(): string {
  const env = process.env;
  if (env.LAYERFS_CACHE) return env.LAYERFS_CACHE;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "layerfs");
  return join(homedir(), ".cache", "layerfs");
}

/**
 * Decompressed layers on disk, one file per diffID, served by pread (memory
 * stays bounded whatever the layer size). Layout under the root:
 *   layers/sha256/<hex>   the uncompressed layer tar whose sha256 is <hex>
 *   links/sha256/<hex>    text: the diffID the compressed blob sha256:<hex> decompressed to
 *   index/sha256/<hex>    the saved TarIndex of that tar (TarIndex.toBytes), so warm loads skip the header scan
 *   verified/sha256/<hex> identities (dev:ino:size:mtime) of uncompressed blobs used in place that hashed to <hex>
 *   tmp/                  entries being written (renamed into layers/ once verified)
 */
export class FileLayerCache implements LayerCache {
  readonly name: string;
  readonly root: string;
  readonly #open: OpenFileSource;
  constructor(root: string, openSource: OpenFileSource) {
    this.root = root;
    this.name = root;
    this.#open = openSource;
  }

  #path(kind: "layers" | "links" | "verified" | "index", digest: string): string {
    const d = parseDigest(digest);
    if (typeof d === "string") throw new Error(d); // never a path from an unchecked string
    return join(this.root, kind, d.algorithm, d.hex);
  }

  get(diffID: string): ByteSource | undefined {
    try {
      return this.#open(this.#path("layers", diffID));
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return undefined;
      throw e;
    }
  }

  diffIDOf(blobDigest: string): string | undefined {
    try {
      const text = readFileSync(this.#path("links", blobDigest), "utf8").trim();
      return typeof parseDigest(text) === "string" ? undefined : text;
    } catch {
      return undefined;
    }
  }

  /** index/sha256/<hex>: the saved TarIndex of layer <hex>. */
  getIndex(diffID: string): Uint8Array | undefined {
    try {
      return readFileSync(this.#path("index", diffID));
    } catch {
      return undefined;
    }
  }

  putIndex(diffID: string, bytes: Uint8Array): void {
    const file = this.#path("index", diffID);
    try {
      mkdirSync(join(file, ".."), { recursive: true });
      const t = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      writeFileSync(t, bytes);
      renameSync(t, file);
    } catch {
      // a read-only cache only costs a header scan next time
    }
  }

  /** verified/sha256/<hex>: identities (dev:ino:size:mtime) of uncompressed blobs that hashed to <hex>; the last 16 kept. */
  verifiedInPlace(diffID: string, identity: string, record: boolean): boolean {
    const file = this.#path("verified", diffID);
    let lines: string[] = [];
    try {
      lines = readFileSync(file, "utf8").split("\n").filter((l) => l !== "");
    } catch {
      // none yet
    }
    if (!record) return lines.includes(identity);
    if (lines.includes(identity)) return true;
    try {
      mkdirSync(join(file, ".."), { recursive: true });
      const t = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      writeFileSync(t, [...lines.slice(-15), identity].join("\n") + "\n");
      renameSync(t, file);
    } catch {
      // a read-only cache only costs a re-hash next time
    }
    return true;
  }

  create(diffID: string | undefined): LayerCacheWriter {
    const tmpDir = join(this.root, "tmp");
    try {
      mkdirSync(tmpDir, { recursive: true });
      sweepStale(tmpDir);
    } catch (e) {
      throw new Error(`layer cache ${this.root}: ${messageOf(e)}`, { cause: e });
    }
    if (diffID !== undefined) this.#path("layers", diffID); // refuse a malformed key now, not at commit
    const temp = join(tmpDir, `${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}`);
    let fd: number | undefined = openSync(temp, "wx", 0o644);
    const closeFd = (): void => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    };
    return {
      write: (chunk) => {
        for (let at = 0; at < chunk.length; ) at += writeSync(fd!, chunk, at, chunk.length - at);
      },
      commit: (blobDigest, named) => {
        const key = diffID ?? named;
        if (key === undefined) throw new TypeError("commit of an entry created without a diffID needs one");
        const final = this.#path("layers", key);
        fsyncSync(fd!);
        closeFd();
        mkdirSync(join(final, ".."), { recursive: true });
        renameSync(temp, final);
        if (blobDigest !== undefined && blobDigest !== key) {
          const link = this.#path("links", blobDigest);
          mkdirSync(join(link, ".."), { recursive: true });
          const t = `${temp}.link`;
          writeFileSync(t, key + "\n");
          renameSync(t, link);
        }
        return this.#open(final);
      },
      abort: () => {
        closeFd();
        try {
          unlinkSync(temp);
        } catch {
          // already gone
        }
      },
    };
  }
}

/** Entries left in tmp/ by a process that died mid-write (older than a day) are removed. */
function sweepStale(tmpDir: string): void {
  const dayAgo = Date.now() - 86_400_000;
  for (const name of readdirSync(tmpDir)) {
    try {
      const p = join(tmpDir, name);
      if (statSync(p).mtimeMs < dayAgo) unlinkSync(p);
    } catch {
      // raced with another process: fine
    }
  }
}

/** A layout directory's files: lstat for sizes (only regular files count), async reads for streams, pread for in-place use. */
function layoutDirFiles(dir: string, openSource: OpenFileSource): ImageSourceFiles {
  const full = (path: string): string => join(dir, path);
  return {
    name: dir,
    size(path) {
      try {
        const st = lstatSync(full(path));
        return st.isFile() ? st.size : undefined;
      } catch {
        return undefined;
      }
    },
    async *stream(path) {
      // Synchronous preads: page-cache reads of 1 MiB take well under a millisecond, and a
      // thread-pool hop per chunk would compete with zlib for the pool.
      const fd = openSync(full(path), "r");
      try {
        for (;;) {
          const buf = new Uint8Array(STREAM_CHUNK);
          const n = readSync(fd, buf, 0, buf.length, null);
          if (n === 0) return;
          yield n === buf.length ? buf : buf.subarray(0, n);
        }
      } finally {
        closeSync(fd);
      }
    },
    source(path) {
      try {
        return openSource(full(path));
      } catch {
        return undefined;
      }
    },
    identity: (path) => fileIdentity(full(path)),
  };
}

/** dev:ino:size:mtime of a regular file (undefined if absent): changes whenever its bytes may have. */
function fileIdentity(path: string): string | undefined {
  try {
    const st = statSync(path, { bigint: true });
    return st.isFile() ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : undefined;
  } catch {
    return undefined;
  }
}

/** Options of the host `loadImage(path)`: also where the file cache lives. */
export interface HostLoadImageOptions extends LoadImageOptions {
  /** Cache directory (default defaultCacheDir()); ignored when `cache` is given. */
  cacheDir?: string;
}

/**
 * Load an image from a path: an OCI layout directory, or an OCI / docker-save
 * archive file (told apart by content). Layers are decompressed once into the
 * file cache and served from there by pread.
 *
 * @example
 * ```ts
 * const img = await loadImage("hello.tar", { tag: "hello:latest" });
 * const union = new Union(img.image, new MemoryLayer());
 * ```
 */
export async function loadHostImage(path: string, options: HostLoadImageOptions, openSource: OpenFileSource): Promise<LoadedImage> {
  const opts: LoadImageOptions = { hasher: nodeHasher, gunzip: nodeGunzip, ...options, cache: options.cache ?? new FileLayerCache(options.cacheDir ?? defaultCacheDir(), openSource) };
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new ImageError("EMISSING", path, undefined, `no such image file or directory (${(e as { code?: string }).code ?? messageOf(e)})`, { cause: e });
  }
  if (st.isDirectory()) return loadFromFiles(layoutDirFiles(path, openSource), false, opts);
  if (!st.isFile()) throw new ImageError("EFORMAT", path, undefined, "neither a directory nor a regular file");
  let source: ByteSource;
  try {
    source = openSource(path);
  } catch (e) {
    throw new ImageError("EMISSING", path, undefined, `cannot open: ${messageOf(e)}`, { cause: e });
  }
  return loadArchive(source, path, opts, fileIdentity(path));
}

/** Split a CLI IMAGE string (`DIR[:TAG]`, `FILE.tar[:TAG]`, `FILE.tar[:REPO:TAG]`) against the host filesystem. */
export function parseHostImageRef(text: string): ImageRef | undefined {
  return parseImageRef(text, (p) => {
    try {
      statSync(p);
      return true;
    } catch {
      return false;
    }
  });
}

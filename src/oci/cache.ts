/**
 * LayerCache: where decompressed layer tars live, content-addressed by diffID
 * (the sha256 of the uncompressed tar, from the config's rootfs.diff_ids).
 *
 * The loader writes an entry while it decompresses and verifies, and commits
 * it only after both the blob digest and the diffID matched; an aborted entry
 * leaves nothing behind. A hit is trusted without re-hashing: entries are only
 * ever created verified (hence a warm load does no decompression and no
 * hashing). Implementations: MemoryLayerCache (here: browsers, tests),
 * FileLayerCache (src/host/file-layer-cache.ts: Node/Deno, one file per layer
 * served by pread). A browser OPFS or Cache API cache implements the same four
 * calls.
 */
import { MemorySource } from "./deps.ts";
import type { ByteSource } from "./deps.ts";

/** A cache of verified uncompressed layer tars, keyed by diffID. */
export interface LayerCache {
  /** Shown in messages (a directory, "memory"). */
  readonly name: string;
  /** The cached tar for `diffID` (validated `sha256:<hex>`), or undefined. The caller closes it. */
  get(diffID: string): Promise<ByteSource | undefined> | ByteSource | undefined;
  /**
   * Start an entry for `diffID`, or for a diffID learnt only at the end (undefined:
   * then `commit` names it), e.g. a standalone layer tarball. Nothing is visible until `commit`.
   */
  create(diffID: string | undefined): Promise<LayerCacheWriter> | LayerCacheWriter;
  /** Optional: the diffID a compressed blob (digest) decompressed to, recorded at commit. */
  diffIDOf?(blobDigest: string): Promise<string | undefined> | string | undefined;
  /**
   * Optional: remember that the uncompressed blob with `identity` (ImageSourceFiles.identity)
   * hashed to `diffID` (`record`), or ask whether it did (`check`), so an image whose
   * layers are used in place is not re-hashed on every load.
   */
  verifiedInPlace?(diffID: string, identity: string, record: boolean): Promise<boolean> | boolean;
  /**
   * Optional: a saved tar index (`TarIndex.toBytes`) of the layer `diffID`, so a warm
   * load does not scan the tar's headers again. A bad one is ignored and replaced.
   */
  getIndex?(diffID: string): Promise<Uint8Array | undefined> | Uint8Array | undefined;
  putIndex?(diffID: string, bytes: Uint8Array): Promise<void> | void;
}

/** An entry being written. */
export interface LayerCacheWriter {
  /** Append bytes (the chunk may be reused by the caller after the returned promise settles). */
  write(chunk: Uint8Array): Promise<void> | void;
  /**
   * Publish the entry atomically (after verification) and return a source over it;
   * `blobDigest` records the compressed blob it came from, `diffID` names an entry created without one.
   */
  commit(blobDigest?: string, diffID?: string): Promise<ByteSource> | ByteSource;
  /** Drop the entry (verification failed or the load was abandoned). */
  abort(): Promise<void> | void;
}

/** A LayerCache in memory: share one across loads to reuse decompressed layers. */
export class MemoryLayerCache implements LayerCache {
  readonly name = "memory";
  readonly #tars = new Map<string, Uint8Array>();
  readonly #links = new Map<string, string>();
  /** Largest entry accepted (default 1 GiB): memory is all a browser tab has. */
  readonly maxEntryBytes: number;

  constructor(options: { maxEntryBytes?: number } = {}) {
    this.maxEntryBytes = options.maxEntryBytes ?? 2 ** 30;
  }

  get(diffID: string): ByteSource | undefined {
    const b = this.#tars.get(diffID);
    return b === undefined ? undefined : new MemorySource(b);
  }

  diffIDOf(blobDigest: string): string | undefined {
    return this.#links.get(blobDigest);
  }

  readonly #verified = new Set<string>();

  verifiedInPlace(diffID: string, identity: string, record: boolean): boolean {
    const key = `${diffID} ${identity}`;
    if (record) this.#verified.add(key);
    return this.#verified.has(key);
  }

  /** Number of cached layers. */
  get entries(): number {
    return this.#tars.size;
  }

  create(diffID: string | undefined): LayerCacheWriter {
    const chunks: Uint8Array[] = [];
    let total = 0;
    return {
      write: (chunk) => {
        total += chunk.length;
        if (total > this.maxEntryBytes) throw new RangeError(`layer is larger than the memory cache's limit of ${this.maxEntryBytes} bytes`);
        chunks.push(chunk.slice());
      },
      commit: (blobDigest, named) => {
        const key = diffID ?? named;
        if (key === undefined) throw new TypeError("commit of an entry created without a diffID needs one");
        const all = new Uint8Array(total);
        let at = 0;
        for (const c of chunks) {
          all.set(c, at);
          at += c.length;
        }
        chunks.length = 0;
        this.#tars.set(key, all);
        if (blobDigest !== undefined) this.#links.set(blobDigest, key);
        return new MemorySource(all);
      },
      abort: () => {
        chunks.length = 0;
      },
    };
  }
}

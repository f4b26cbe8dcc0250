/**
 * commit(union): the upper layer's changes as one OCI layer blob, and
 * exportTar(union): the flattened merged tree as one tar.
 *
 * The layer is the upper in OCI form: `.wh.NAME` whiteouts, `.wh..wh..opq`
 * opaque markers (first in their directory), directories before their
 * contents, names sorted by bytes, each entry with its own mode, owner and
 * mtime. A hard-linked upper file appears once with its content; its other
 * names are type-1 links to the first. Redundant upper state is normalised
 * away: a whiteout that hides nothing below (or sits in an opaque directory)
 * is dropped, and `X` beside `.wh.X` becomes X alone (a directory X then opaque),
 * which is what the union shows.
 *
 * Compression: none, or gzip through CompressionStream (every runtime). zstd
 * is refused: no npm zstd encoder is both streaming and usable unchanged in
 * Node, Deno and browsers (see README).
 */
import type { Image } from "../core/image.ts";
import { childPath, OPAQUE_MARKER, WHITEOUT_PREFIX } from "../core/layer.ts";
import type { EntryStat, Layer } from "../core/layer.ts";
import { compareNames } from "../core/path.ts";
import type { Union } from "../core/union.ts";
import { classifyRawName, rawListing, whitedOutName } from "../core/whiteout.ts";
import { wasmHasher } from "./digest.ts";
import type { HasherFactory } from "./digest.ts";
import { ImageError } from "./errors.ts";
import { ociLayerType } from "./media-types.ts";
import { streamBytes, tarStream } from "./tar-write.ts";
import type { TarItem } from "./tar-write.ts";

export type CommitCompression = "none" | "gzip" | "zstd";

export interface CommitOptions {
  /** Layer compression (default "none": `application/vnd.oci.image.layer.v1.tar`). */
  compression?: CommitCompression;
  /** Incremental hasher (default hash-wasm; the Node/Deno entries can pass node:crypto). */
  hasher?: HasherFactory;
}

/** What a committed layer is, once its bytes have all been produced. */
export interface LayerDigests {
  mediaType: string;
  /** sha256 of the blob as stored (compressed). */
  digest: string;
  /** sha256 of the uncompressed tar (the config's rootfs.diff_ids entry). */
  diffID: string;
  /** Bytes of the blob. */
  size: number;
}

/** A committed layer held in memory (`commit(union)`). */
export interface CommittedLayer extends LayerDigests {
  bytes: Uint8Array;
}

/** A committed layer as a stream: `digests` settles once `stream` has been read to the end. */
export interface LayerStream {
  mediaType: string;
  stream: ReadableStream<Uint8Array>;
  digests: Promise<LayerDigests>;
}

/** The upper's changes as a layer tar, streamed, with digests (bounded memory). */
export function commitStream(union: Union, options: CommitOptions = {}): LayerStream {
  const compression = options.compression ?? "none";
  if (compression === "zstd") {
    throw new ImageError("EUNSUPPORTED", "commit", undefined, "zstd layers cannot be written (no streaming zstd encoder for every runtime); use gzip or no compression");
  }
  if (compression !== "none" && compression !== "gzip") throw new ImageError("EUNSUPPORTED", "commit", undefined, `unknown compression "${String(compression)}"`);
  return digestedBlob(tarStream(upperItems(union.image, union.upper)), compression, options.hasher ?? wasmHasher);
}

/** The upper's changes as one layer blob in memory (small changes; see commitStream for big ones). */
export async function commit(union: Union, options: CommitOptions = {}): Promise<CommittedLayer> {
  const s = commitStream(union, options);
  const bytes = await streamBytes(s.stream);
  return { ...(await s.digests), bytes };
}

/** The merged tree (what the union shows) as one tar, streamed; deterministic. The root itself is not an entry. */
export function exportTar(union: Union): ReadableStream<Uint8Array> {
  return tarStream(mergedItems(union));
}

/**
 * Hash the tar (diffID), compress it, hash the blob (digest) and count it, all
 * as the returned stream is read.
 */
function digestedBlob(tar: ReadableStream<Uint8Array>, compression: "none" | "gzip", hasher: HasherFactory): LayerStream {
  let resolve!: (d: LayerDigests) => void;
  let reject!: (e: unknown) => void;
  const digests = new Promise<LayerDigests>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  digests.catch(() => {}); // a caller that only reads the stream sees the error there
  const mediaType = ociLayerType(compression);
  const diffHash = hasher("sha256");
  const blobHash = compression === "none" ? diffHash : hasher("sha256");
  let size = 0;
  const hashing = (h: Promise<{ update(b: Uint8Array): void }>, count: boolean) =>
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        (await h).update(chunk);
        if (count) size += chunk.length;
        controller.enqueue(chunk);
      },
    });
  let stream = tar.pipeThrough(hashing(diffHash, compression === "none"));
  if (compression === "gzip") {
    stream = stream.pipeThrough(new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>).pipeThrough(hashing(blobHash, true));
  }
  const out = stream.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    async flush() {
      try {
        const diffID = `sha256:${(await diffHash).digestHex()}`;
        const digest = compression === "none" ? diffID : `sha256:${(await blobHash).digestHex()}`;
        resolve({ mediaType, digest, diffID, size });
      } catch (e) {
        reject(e);
        throw e;
      }
    },
  }));
  // An error anywhere upstream ends the stream; the digests reject with it.
  const reader = out.getReader();
  return {
    mediaType,
    digests,
    stream: new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const r = await reader.read();
          if (r.done) controller.close();
          else controller.enqueue(r.value);
        } catch (e) {
          reject(e);
          controller.error(e);
        }
      },
      async cancel(reason) {
        reject(reason ?? new Error("layer stream cancelled"));
        await reader.cancel(reason);
      },
    }),
  };
}

/** Upper entries in layer order (see the module comment). */
function* upperItems(image: Image, upper: Layer): Generator<TarItem> {
  const firstPath = new Map<number, string>(); // hard-link object id -> first archived name
  function* walk(dir: string, cut: boolean): Generator<TarItem> {
    const { raws, present, opaque } = rawListing(upper, dir, compareNames);
    const below = opaque || cut;
    if (opaque) yield marker(dir, upper, OPAQUE_MARKER);
    for (const raw of raws) {
      if (classifyRawName(raw) !== "whiteout") continue;
      const name = whitedOutName(raw);
      const path = childPath(dir, name);
      if (present.has(name) || below || image.lookup(path) === undefined) continue;
      yield marker(dir, upper, raw);
    }
    for (const raw of raws) {
      if (classifyRawName(raw) !== "entry") continue;
      const path = childPath(dir, raw);
      const st = upper.stat(path);
      if (st === undefined) continue; // gone since readdir
      if (st.type === "dir") {
        yield attrs("dir", path, st);
        // `X` beside `.wh.X`: the union shows only the upper X (an opaque directory).
        const replaced = raws.includes(WHITEOUT_PREFIX + raw);
        if (replaced && !isOpaqueIn(upper, path)) yield marker(path, upper, undefined);
        yield* walk(path, below || replaced);
      } else if (st.type === "symlink") {
        yield { ...attrs("symlink", path, st), linkname: upper.readlink(path) };
      } else {
        const first = st.nlink > 1 ? firstPath.get(st.id) : undefined;
        if (first !== undefined) {
          yield { ...attrs("link", path, st), linkname: first };
          continue;
        }
        if (st.nlink > 1) firstPath.set(st.id, path);
        yield { ...attrs("file", path, st), type: "file", size: st.size, body: upper.open(path) };
      }
    }
  }
  yield* walk("", false);
}

function isOpaqueIn(layer: Layer, dir: string): boolean {
  return layer.stat(childPath(dir, OPAQUE_MARKER)) !== undefined;
}

function attrs<T extends "dir" | "symlink" | "link" | "file">(type: T, path: string, st: EntryStat) {
  return { type, path, mode: st.mode, uid: st.uid, gid: st.gid, mtimeNs: st.mtimeNs };
}

/** An empty whiteout or opaque marker; `raw` undefined: a synthesised opaque marker (dir's attributes). */
function marker(dir: string, upper: Layer, raw: string | undefined): TarItem {
  const path = childPath(dir, raw ?? OPAQUE_MARKER);
  const st = raw === undefined ? undefined : upper.stat(path);
  const ref = st ?? upper.stat(dir)!;
  return { type: "file", path, mode: 0o644, uid: ref.uid, gid: ref.gid, mtimeNs: ref.mtimeNs, size: 0, body: { read: () => 0 } };
}

/** The merged view in tar order: depth first, sorted, hard-link aliases as type-1 links. */
function* mergedItems(union: Union): Generator<TarItem> {
  const firstPath = new Map<number, string>(); // union inode -> first archived name
  function* walk(dir: string): Generator<TarItem> {
    for (const e of union.readdirEntries(dir)) {
      const abs = dir === "/" ? `/${e.name}` : `${dir}/${e.name}`;
      const path = abs.slice(1);
      const st = union.lstat(abs);
      const base = { path, mode: st.mode, uid: st.uid, gid: st.gid, mtimeNs: st.mtimeNs };
      if (st.type === "dir") {
        yield { ...base, type: "dir" };
        yield* walk(abs);
      } else if (st.type === "symlink") {
        yield { ...base, type: "symlink", linkname: union.readlink(abs) };
      } else {
        const first = st.nlink > 1 ? firstPath.get(st.ino) : undefined;
        if (first !== undefined) {
          yield { ...base, type: "link", linkname: first };
          continue;
        }
        if (st.nlink > 1) firstPath.set(st.ino, path);
        yield { ...base, type: "file", size: st.size, body: union.open(abs) };
      }
    }
  }
  yield* walk("/");
}

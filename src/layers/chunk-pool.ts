/**
 * A bounded, process-wide pool of dead chunk buffers of memory layers.
 *
 * Why: writing into fresh memory pays a page fault per 4 KiB page the first
 * time each page is touched (≈12 µs a page on this VM: 64 MiB ≈ 200 ms), which a
 * kernel page cache does not. Reusing the buffers of content that is
 * provably dead costs a memset instead.
 *
 * Safety: a buffer enters the pool only if it is dead for good: ChunkedContent
 * hands back the chunks a truncate cuts off, and those of a content released
 * because no name and no open handle reaches it (an unlinked file) or because
 * its layer was disposed. Only buffers this module allocated (`owned`) and
 * whole (no view of a larger buffer) qualify, never a caller's bytes
 * (ChunkedContent.fromBytes without copy) nor a small-slab view. A buffer
 * taken out is dirty: the taker zeroes every byte it does not overwrite.
 * No FinalizationRegistry: what is dead is known, not guessed by the GC.
 */
import { Errno, FsError } from "../core/errno.ts";

/** Default bound on the bytes the pool keeps: 64 MiB. */
export const DEFAULT_CHUNK_POOL_LIMIT = 64 * 1024 * 1024;

/** Smallest buffer worth pooling (smaller ones come from the slabs of chunked-content.ts). */
const MIN_POOLED = 8192;

/** What the pool holds now. */
export interface ChunkPoolStats {
  /** Bytes of the buffers kept. */
  bytes: number;
  /** Buffers kept. */
  buffers: number;
  /** The bound on `bytes` (setChunkPoolLimit). */
  limit: number;
}

/** Buffers this module allocated: the only ones it will ever take back. */
const owned = new WeakSet<ArrayBuffer>();
/** Buffers in the pool now (a second release of one is ignored, never pooled twice). */
const pooled = new WeakSet<ArrayBuffer>();
/** Free buffers by byte length (powers of two), a stack each. */
const free = new Map<number, Uint8Array[]>();
let bytes = 0;
let buffers = 0;
let limit = DEFAULT_CHUNK_POOL_LIMIT;

/** A pooled buffer of exactly `n` bytes, or undefined. Dirty: its old bytes are still there. */
export function takePooled(n: number): Uint8Array | undefined {
  const stack = free.get(n);
  if (stack === undefined || stack.length === 0) return undefined;
  const buffer = stack.pop()!;
  pooled.delete(buffer.buffer as ArrayBuffer);
  bytes -= n;
  buffers--;
  return buffer;
}

/** A new zeroed buffer of `n` bytes that the pool may take back once it is dead. */
export function freshChunk(n: number): Uint8Array {
  const buffer = new Uint8Array(n);
  if (n >= MIN_POOLED) owned.add(buffer.buffer);
  return buffer;
}

/** Hand back a dead chunk buffer. Kept if it is one of ours, whole, and the pool has room; else left to the GC. */
export function recycleChunk(buffer: Uint8Array): void {
  const n = buffer.length;
  const ab = buffer.buffer as ArrayBuffer;
  if (n < MIN_POOLED || (n & (n - 1)) !== 0 || bytes + n > limit) return;
  if (buffer.byteOffset !== 0 || ab.byteLength !== n || !owned.has(ab) || pooled.has(ab)) return;
  pooled.add(ab);
  let stack = free.get(n);
  if (stack === undefined) free.set(n, (stack = []));
  stack.push(buffer);
  bytes += n;
  buffers++;
}

/**
 * Hand pooled memory back to the garbage collector until at most `keepBytes`
 * stay pooled (default 0: all of it). Returns the bytes released.
 */
export function trimChunkPool(keepBytes = 0): number {
  if (!(keepBytes >= 0)) throw new FsError(Errno.INVAL, "trimChunkPool", undefined, "keepBytes must be a number >= 0");
  const before = bytes;
  for (const [n, stack] of free) {
    while (bytes > keepBytes && stack.length > 0) {
      pooled.delete(stack.pop()!.buffer as ArrayBuffer);
      bytes -= n;
      buffers--;
    }
    if (stack.length === 0) free.delete(n);
    if (bytes <= keepBytes) break;
  }
  return before - bytes;
}

/**
 * Bound the bytes the pool may keep (default 64 MiB; 0 turns pooling off).
 * Shrinking trims at once.
 */
export function setChunkPoolLimit(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new FsError(Errno.INVAL, "setChunkPoolLimit", undefined, "the limit must be an integer number of bytes >= 0");
  }
  limit = maxBytes;
  trimChunkPool(maxBytes);
}

/** What the pool holds now, and its bound. */
export function chunkPoolStats(): ChunkPoolStats {
  return { bytes, buffers, limit };
}

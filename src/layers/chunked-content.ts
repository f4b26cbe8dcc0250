/**
 * File content stored in fixed-size chunks, optionally backed by a read-only
 * source (a lower layer's file). This is what makes copy-up lazy: a copied-up
 * file keeps a reference to the lower content and stores only what was
 * written since, so touching 4 KiB of a 256 MiB lower file stores 4 KiB (in
 * one chunk), not 256 MiB, and reads nothing from it.
 *
 * Model: the logical content is `size` bytes. Byte `p` comes from
 *   1. the local chunk covering `p`, if one exists and its buffer covers `p`
 *      (a chunk buffer holds a range [lo, lo + length) of its chunk: lo is 0
 *      except in a source-backed range, and the length may be short of the
 *      chunk size), else
 *   2. the source, if `p < sourceLimit`, else
 *   3. zero (sparse: a gap written past EOF allocates nothing).
 * So a write over a source-backed range makes local only what it writes (and
 * the gap to what the chunk already holds): a 4 KiB pwrite into a copied-up
 * file reads nothing from the source and stores 4 KiB.
 * `sourceLimit` starts at the source size and only shrinks (a truncate below it
 * cuts the source off for good, so growing again reads zeros, as POSIX wants).
 * Invariant: local buffers hold zeros beyond `size`, so growing needs no work.
 *
 * Chunks live in a Map keyed by chunk index (indices can exceed JS array index
 * range for huge sparse files). Chunk buffers grow by doubling up to the chunk
 * size, so sequential appends never copy the whole file and small files stay small.
 *
 * Chunk buffers never leave this object (read copies out), so a chunk that
 * leaves the Map is dead: a truncate's cut-off chunks, a grown chunk's old
 * buffer, and every chunk of a released content go back to chunk-pool.ts,
 * and new chunks come from it first (dirty: every byte not written at once
 * is zeroed here, keeping the model above).
 */
import { Errno, FsError } from "../core/errno.ts";
import type { ContentSource } from "../core/layer.ts";
import { freshChunk, recycleChunk, takePooled } from "./chunk-pool.ts";

/** Default chunk size: 64 KiB. */
export const CHUNK_SIZE = 65536;

/** Largest supported file size: positions stay exact doubles. */
const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;

/**
 * Small chunk buffers (up to SLAB_MAX bytes) are views into shared 64 KiB
 * slabs, handed out once each (bump allocation, never reused, so they start
 * zeroed). A fresh small ArrayBuffer costs a malloc, zeroing and GC
 * bookkeeping (~1 µs): the largest single cost of small-file churn. The price:
 * a slab stays allocated while any of its views is alive (at most
 * SLAB_SIZE / 8 bytes per live small chunk).
 */
const SLAB_SIZE = 65536;
const SLAB_MAX = 4096;
let slab: ArrayBuffer | undefined;
let slabUsed = SLAB_SIZE;

/** A zeroed buffer of `n` bytes: a slab view when small. */
function newBuffer(n: number): Uint8Array {
  if (n > SLAB_MAX) return freshChunk(n);
  if (n === 0) return new Uint8Array(0);
  const take = (n + 7) & ~7; // keep views 8-byte aligned
  if (slabUsed + take > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  const view = new Uint8Array(slab!, slabUsed, n);
  slabUsed += take;
  return view;
}

/**
 * A read-only byte source content can reference: a lower file's
 * `LayerFile.contentSource()` (never the LayerFile itself: see the ownership
 * rule in core/layer.ts), another content, a generated source.
 */
export type { ContentSource };

/** A ContentSource that knows its size (what `MemoryLayer.from` accepts for generated files). */
export interface SizedContentSource extends ContentSource {
  readonly size: number;
}

/** Memory accounting of one content object (what tests and benchmarks measure). */
export interface ContentUsage {
  /** Logical size in bytes. */
  size: number;
  /** Number of local chunks. */
  chunks: number;
  /** Bytes held by local chunk buffers. */
  bytes: number;
  /** Whether some bytes are still read through from a source. */
  referencesSource: boolean;
}

export class ChunkedContent {
  readonly chunkSize: number;
  #size = 0;
  #chunks = new Map<number, Uint8Array>();
  /** Where a chunk's buffer starts inside its chunk, for the chunks whose buffer does not start at 0 (source-backed ranges only). */
  #starts: Map<number, number> | undefined;
  #bytes = 0;
  #source: ContentSource | undefined;
  #sourceLimit = 0;
  /** Handed out as another content's source (lend): never released, others read through it. */
  #lent = false;
  /** Released (dead): its chunks went to the pool; every later call throws EBADF. */
  #released = false;

  constructor(chunkSize: number = CHUNK_SIZE) {
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || (chunkSize & (chunkSize - 1)) !== 0) {
      throw new FsError(Errno.INVAL, "chunked-content", undefined, "chunk size must be a power of two");
    }
    this.chunkSize = chunkSize;
  }

  /** Content that references `source` (of `size` bytes) without copying it. */
  static fromSource(source: ContentSource, size: number, chunkSize?: number): ChunkedContent {
    const c = new ChunkedContent(chunkSize);
    checkSize(size, "fromSource");
    c.#size = size;
    if (size > 0) {
      c.#source = source;
      c.#sourceLimit = size;
    }
    return c;
  }

  /**
   * Content holding `data`. With `copy` false the chunks are views into `data`
   * (zero-copy; the caller gives up ownership of the buffer).
   */
  static fromBytes(data: Uint8Array, copy = true, chunkSize?: number): ChunkedContent {
    const c = new ChunkedContent(chunkSize);
    const cs = c.chunkSize;
    for (let start = 0, i = 0; start < data.length; start += cs, i++) {
      const end = Math.min(start + cs, data.length);
      const chunk = copy ? data.slice(start, end) : data.subarray(start, end);
      c.#chunks.set(i, chunk);
      c.#bytes += chunk.length;
    }
    c.#size = data.length;
    return c;
  }

  get size(): number {
    return this.#size;
  }

  /** Whether `release()` dropped this content (its handles then get EBADF). */
  get released(): boolean {
    return this.#released;
  }

  /**
   * This content as the source of another (a copy-up by reference): from now
   * on it is never released, since the other reads through it. Its truncates
   * still recycle what they cut off (the other reads through the Map, never a
   * buffer).
   */
  lend(): ContentSource {
    this.#lent = true;
    return this;
  }

  /**
   * The content is dead (no name or open handle reaches it, or its layer is
   * disposed): hand its chunks to the pool and refuse every later call with
   * EBADF. A lent content is left as it is (another content reads through
   * it); returns whether this one was released.
   */
  release(): boolean {
    if (this.#lent) return false;
    if (this.#released) return true;
    for (const chunk of this.#chunks.values()) recycleChunk(chunk);
    this.#chunks.clear();
    this.#starts = undefined;
    this.#bytes = 0;
    this.#size = 0;
    this.#source = undefined;
    this.#sourceLimit = 0;
    this.#released = true;
    return true;
  }

  /** Bytes of the local chunks (usage().bytes without building the record: quotas read it on every write). */
  get storedBytes(): number {
    return this.#bytes;
  }

  /** Memory accounting: local chunks and their bytes. */
  usage(): ContentUsage {
    return {
      size: this.#size,
      chunks: this.#chunks.size,
      bytes: this.#bytes,
      referencesSource: this.#source !== undefined,
    };
  }

  /** Read up to `into.length` bytes at `position`; returns the count (0 at or past EOF). */
  read(into: Uint8Array, position: number): number {
    checkPosition(position, "read");
    if (this.#released) throw releasedError("read");
    const size = this.#size;
    if (position >= size || into.length === 0) return 0;
    const n = Math.min(into.length, size - position);
    const cs = this.chunkSize;
    let done = 0;
    while (done < n) {
      const pos = position + done;
      const ci = Math.floor(pos / cs);
      const off = pos - ci * cs;
      const len = Math.min(cs - off, n - done);
      const chunk = this.#chunks.get(ci);
      if (chunk !== undefined) {
        // The buffer's range [lo, hi) of the chunk is local; around it, the source's bytes, then zeros.
        const lo = this.#starts?.get(ci) ?? 0;
        const a = Math.min(Math.max(off, lo), off + len);
        const b = Math.max(Math.min(off + len, lo + chunk.length), a);
        if (a > off) this.#readAbsent(into.subarray(done, done + a - off), pos);
        if (b > a) into.set(b - a === chunk.length ? chunk : chunk.subarray(a - lo, b - lo), done + a - off);
        if (b < off + len) this.#readAbsent(into.subarray(done + b - off, done + len), pos + b - off);
        done += len;
      } else {
        // Absent chunks: merge the run of consecutive absent chunks into one source read.
        let runEnd = done + len;
        let nextCi = ci + 1;
        while (runEnd < n && !this.#chunks.has(nextCi)) {
          runEnd = Math.min(n, runEnd + cs);
          nextCi++;
        }
        this.#readAbsent(into.subarray(done, runEnd), pos);
        done = runEnd;
      }
    }
    return n;
  }

  /** Write all of `data` at `position`, extending (sparsely) past EOF. */
  write(data: Uint8Array, position: number): number {
    checkPosition(position, "write");
    if (this.#released) throw releasedError("write");
    const total = data.length;
    if (total === 0) return 0;
    const end = position + total;
    if (end > MAX_FILE_SIZE) throw new FsError(Errno.FBIG, "write");
    const cs = this.chunkSize;
    let done = 0;
    while (done < total) {
      const pos = position + done;
      const ci = Math.floor(pos / cs);
      const off = pos - ci * cs;
      const len = Math.min(cs - off, total - done);
      const chunk = this.#chunkForWrite(ci, off, off + len);
      chunk.set(len === total ? data : data.subarray(done, done + len), off - (this.#starts?.get(ci) ?? 0));
      done += len;
    }
    if (end > this.#size) this.#size = end;
    return total;
  }

  /** Bytes `write(data of length, position)` would add to the local chunk buffers (same rules as #chunkForWrite). */
  writeGrowth(length: number, position: number): number {
    if (length <= 0) return 0;
    const cs = this.chunkSize;
    let growth = 0;
    for (let done = 0; done < length;) {
      const pos = position + done;
      const ci = Math.floor(pos / cs);
      const off = pos - ci * cs;
      const len = Math.min(cs - off, length - done);
      const end = off + len;
      const chunk = this.#chunks.get(ci);
      if (chunk !== undefined) {
        const lo = this.#starts?.get(ci) ?? 0;
        const [newLo, newHi] = grownRange(lo, lo + chunk.length, off, end, cs);
        growth += newHi - newLo - chunk.length;
      } else {
        growth += end - (this.#sourceLimit > ci * cs ? off : 0);
      }
      done += len;
    }
    return growth;
  }

  /** Set the size: shrinking drops data for good, growing reads zeros. */
  truncate(newSize: number): void {
    checkSize(newSize, "truncate");
    if (this.#released) throw releasedError("truncate");
    if (newSize < this.#size) {
      const cs = this.chunkSize;
      const keep = Math.ceil(newSize / cs); // chunks with index < keep survive
      for (const [ci, chunk] of this.#chunks) {
        if (ci >= keep) {
          this.#chunks.delete(ci);
          this.#starts?.delete(ci);
          this.#bytes -= chunk.length;
          recycleChunk(chunk);
        }
      }
      const off = newSize - (keep - 1) * cs;
      if (keep > 0 && off < cs) {
        const last = this.#chunks.get(keep - 1);
        const lo = this.#starts?.get(keep - 1) ?? 0;
        if (last !== undefined && lo + last.length > off) last.fill(0, Math.max(0, off - lo));
      }
      if (newSize < this.#sourceLimit) this.#sourceLimit = newSize;
      if (this.#sourceLimit === 0) this.#source = undefined;
    }
    this.#size = newSize;
  }

  /** The whole content as one new buffer. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.#size);
    this.read(out, 0);
    return out;
  }

  /** Fill `into` with the bytes at `pos` where no local chunk exists: source, then zeros. */
  #readAbsent(into: Uint8Array, pos: number): void {
    let filled = 0;
    const fromSource = Math.max(0, Math.min(into.length, this.#sourceLimit - pos));
    if (fromSource > 0) filled = readFully(this.#source!, into.subarray(0, fromSource), pos);
    if (filled < into.length) into.fill(0, filled);
  }

  /**
   * The local chunk `ci`, created or grown so its buffer covers [off, end) of
   * the chunk, for the caller to write that range at once. Everything else a
   * new or grown buffer covers is filled as it reads now (source, then zeros):
   * over a source-backed range a new buffer starts at `off` and holds nothing
   * else (nothing read); elsewhere it starts at 0 (zeros before the write).
   */
  #chunkForWrite(ci: number, off: number, end: number): Uint8Array {
    const cs = this.chunkSize;
    const start = ci * cs;
    let chunk = this.#chunks.get(ci);
    if (chunk !== undefined) {
      const lo = this.#starts?.get(ci) ?? 0;
      const hi = lo + chunk.length;
      if (off >= lo && end <= hi) return chunk;
      const [newLo, newHi] = grownRange(lo, hi, off, end, cs);
      const n = newHi - newLo;
      let grown = takePooled(n);
      const dirty = grown !== undefined;
      grown ??= newBuffer(n);
      grown.set(chunk, lo - newLo);
      // What the new parts held before (the source's bytes, or zeros), except where the write lands.
      this.#fillExcept(grown, newLo, newLo, lo, off, end, start, dirty);
      this.#fillExcept(grown, newLo, hi, newHi, off, end, start, dirty);
      this.#setChunk(ci, grown, newLo);
      this.#bytes += grown.length - chunk.length;
      recycleChunk(chunk);
      this.#maybeDropSource();
      return grown;
    }
    const lo = this.#sourceLimit > start ? off : 0;
    chunk = takePooled(end - lo);
    const dirty = chunk !== undefined;
    chunk ??= newBuffer(end - lo);
    if (lo === 0) this.#fill(chunk, 0, off, start, dirty); // zeros before the write (no source here)
    this.#setChunk(ci, chunk, lo);
    this.#bytes += chunk.length;
    this.#maybeDropSource();
    return chunk;
  }

  #setChunk(ci: number, buf: Uint8Array, lo: number): void {
    this.#chunks.set(ci, buf);
    if (lo !== 0) (this.#starts ??= new Map()).set(ci, lo);
    else this.#starts?.delete(ci);
  }

  /** #fill of the chunk range [from, to) minus [off, end), in a buffer starting at chunk offset `bufLo`. */
  #fillExcept(buf: Uint8Array, bufLo: number, from: number, to: number, off: number, end: number, start: number, dirty: boolean): void {
    if (from >= to) return;
    if (off > from) this.#fill(buf, from - bufLo, Math.min(to, off) - bufLo, start + bufLo, dirty);
    if (end < to) this.#fill(buf, Math.max(from, end) - bufLo, to - bufLo, start + bufLo, dirty);
  }

  /** Bytes [from, to) of chunk buffer `buf` (chunk at `start`) as they read now: source, then zeros (a fresh, `dirty` false, buffer is zero already). */
  #fill(buf: Uint8Array, from: number, to: number, start: number, dirty: boolean): void {
    if (from >= to) return;
    const fromSource = Math.max(0, Math.min(to, this.#sourceLimit - start) - from);
    let got = 0;
    if (fromSource > 0) got = readFully(this.#source!, buf.subarray(from, from + fromSource), start + from);
    if (got < fromSource || dirty) buf.fill(0, from + got, to);
  }

  /** Once every chunk below sourceLimit is local, the source is no longer needed. */
  #maybeDropSource(): void {
    if (this.#source === undefined) return;
    const cs = this.chunkSize;
    const limit = this.#sourceLimit;
    const needed = Math.ceil(limit / cs);
    if (this.#chunks.size < needed) return;
    for (let i = 0; i < needed; i++) {
      const chunk = this.#chunks.get(i);
      if (chunk === undefined || this.#starts?.has(i) === true || chunk.length < Math.min(cs, limit - i * cs)) return;
    }
    this.#source = undefined;
    this.#sourceLimit = 0;
  }
}

/**
 * The range [lo, hi) of a chunk (size `cs`) a buffer holding [lo, hi) grows
 * to for a write of [off, end): down to the write's start, and up to its end,
 * doubling the length there (sequential appends copy O(n) in all).
 */
function grownRange(lo: number, hi: number, off: number, end: number, cs: number): [number, number] {
  if (off >= lo && end <= hi) return [lo, hi];
  const newLo = Math.min(lo, off);
  const newHi = end > hi ? Math.min(cs, Math.max(end, newLo + 2 * (hi - lo))) : hi;
  return [newLo, newHi];
}

/** EBADF for a call on a released content (through a handle that outlived its layer's dispose). */
export function releasedError(syscall: string): FsError {
  return new FsError(Errno.BADF, syscall, undefined, "the file's memory layer was disposed");
}

/** Read until `into` is full or the source reports EOF; returns the count. */
function readFully(source: ContentSource, into: Uint8Array, position: number): number {
  let got = 0;
  while (got < into.length) {
    const n = source.read(got === 0 ? into : into.subarray(got), position + got);
    if (!(n > 0)) break;
    got += n;
  }
  return got;
}

function checkPosition(position: number, syscall: string): void {
  if (!Number.isSafeInteger(position) || position < 0) throw new FsError(Errno.INVAL, syscall);
}

function checkSize(size: number, syscall: string): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new FsError(Errno.INVAL, syscall);
}

/**
 * A generated source of `size` bytes: every byte `fill` (a number), or a
 * repeating pattern (a Uint8Array; byte p is `pattern[p % pattern.length]`).
 * Lets benchmarks make a 256 MiB lower file without allocating it.
 */
export class FillSource implements SizedContentSource {
  readonly size: number;
  readonly #byte: number;
  readonly #pattern: Uint8Array | undefined;

  constructor(size: number, fill: number | Uint8Array = 0) {
    checkSize(size, "fill-source");
    this.size = size;
    if (typeof fill === "number") {
      this.#byte = fill & 0xff;
      this.#pattern = undefined;
    } else {
      if (fill.length === 0) throw new FsError(Errno.INVAL, "fill-source", undefined, "empty pattern");
      this.#byte = 0;
      this.#pattern = fill.slice();
    }
  }

  read(into: Uint8Array, position: number): number {
    if (position >= this.size) return 0;
    const n = Math.min(into.length, this.size - position);
    const p = this.#pattern;
    if (p === undefined) {
      into.fill(this.#byte, 0, n);
      return n;
    }
    const L = p.length;
    let done = 0;
    let phase = position % L;
    while (done < n) {
      const len = Math.min(L - phase, n - done);
      into.set(len === L ? p : p.subarray(phase, phase + len), done);
      done += len;
      phase = 0;
    }
    return n;
  }
}

/**
 * Read-ahead for small sequential reads of content that changes only where
 * its owner sees it (a read-only DirLayer's file or a tar member read by
 * pread: never; a host upper's file: through the layer's own writes, after
 * which the owner calls forget()).
 *
 * Why: a host read costs a fixed ~0.3 µs in the kernel plus ~0.3 µs in the
 * runtime's readSync before a byte moves, while copying 4 KiB from a buffer
 * in cache costs ~0.1 µs. A guest reading a file in stdio-sized pieces (1-8
 * KiB) gets them from one host read of up to 64 KiB instead of one each.
 * Reads of SMALL_READ bytes or more, and small reads that do not continue
 * the previous one (random access), go straight to the host as before: one
 * host read, straight into the caller's buffer. A run is a stream from its
 * third read on (two reads in a row may be page N and N+1 before a jump),
 * and the window starts small (FIRST_WINDOW, or 2 reads) and doubles while
 * the reads stay sequential. Measured with 4 KiB reads in pairs, then a jump:
 * 652 ns a read without read-ahead, 2618 with a fixed 64 KiB window from the
 * second read, 700 as here (sequential 4 KiB reads: 914, 530, 556).
 *
 * Memory is bounded for the whole process: at most MAX_BUFFERS buffers of
 * READ_AHEAD_BYTES, the least recently used one taken over when all are in
 * use (its owner reads from the host again the next time).
 */

/** Most bytes one read-ahead asks the host for (the buffer's size). */
export const READ_AHEAD_BYTES = 64 * 1024;
/** Least bytes the first read-ahead of a sequential run asks for (then twice as many each time). */
export const FIRST_WINDOW = 4 * 1024;
/** Reads at least this long never go through the buffer (a copy would cost more than the host call saved). */
export const SMALL_READ = 16 * 1024;
/** Buffers alive in this process at most. */
export const MAX_BUFFERS = 16;

/**
 * What a ReadAhead reads from: `read` preads until `into` is full or EOF (the
 * count, short only at EOF). An object whose class has the method, not a
 * closure per file: optimized code that inlined one file's closure held it
 * weakly and was thrown away when that file was collected (every full GC
 * after a run), so each run's reads started unoptimized again.
 */
export interface PreadSource {
  read(into: Uint8Array, position: number): number;
}

/** The process-wide buffers: in use by a ReadAhead, or free for the next one. */
const holders: ReadAhead[] = [];
const free: Uint8Array[] = [];
let clock = 0;

export class ReadAhead {
  readonly #source: PreadSource;
  #buf: Uint8Array | undefined;
  /** The buffer holds the content [#start, #end); #eof: the content ends at #end. */
  #start = 0;
  #end = 0;
  #eof = false;
  /** Where the previous read ended (-1: none yet). */
  #next = -1;
  /** Bytes the last fill asked for (0: no sequential run yet). */
  #window = 0;
  /** Reads in a row so far that each began where the one before ended. */
  #run = 0;
  #used = 0;

  constructor(source: PreadSource) {
    this.#source = source;
  }

  /** Read into `into` at `position` (a full read unless EOF, as the source's read). */
  read(into: Uint8Array, position: number): number {
    const len = into.length;
    if (len === 0) return 0;
    const buf = this.#buf;
    this.#run = position === this.#next ? this.#run + 1 : 0;
    let done = 0;
    if (buf !== undefined && position >= this.#start && position < this.#end) {
      // Served from the buffer, as far as it holds the range.
      done = Math.min(len, this.#end - position);
      const from = position - this.#start;
      copyBytes(into, 0, buf, from, done);
      this.#used = ++clock;
      if (done === len || this.#eof) return this.#ended(position, done);
    } else if (buf !== undefined && this.#eof && position >= this.#end && position >= this.#start) {
      return this.#ended(position, 0); // at or past the end the buffer saw
    }
    const at = position + done;
    const rest = len - done;
    // Large, or not (yet) a stream's third read: straight into `into`.
    if (rest >= SMALL_READ || (done === 0 && this.#run < 2)) {
      if (this.#run === 0) this.#window = 0; // a jump: a new run starts small
      return this.#ended(position, done + this.#source.read(done === 0 ? into : into.subarray(done), at));
    }
    const b = this.#buffer();
    // Never less than twice what this read still needs (rest < SMALL_READ: it fits the buffer).
    const window = (this.#window = Math.min(READ_AHEAD_BYTES, Math.max(FIRST_WINDOW, 2 * rest, 2 * this.#window)));
    this.#start = this.#end = at; // empty until the fill is done (it may throw half way)
    const got = this.#source.read(window === b.length ? b : b.subarray(0, window), at);
    this.#end = at + got;
    this.#eof = got < window;
    const n = Math.min(rest, got);
    copyBytes(into, done, b, 0, n);
    return this.#ended(position, done + n);
  }

  /** The content may have changed: nothing read ahead so far is served again. */
  forget(): void {
    this.#start = this.#end = 0;
    this.#eof = false;
  }

  /** Give the buffer back (the owner is closed). */
  release(): void {
    const b = this.#buf;
    if (b === undefined) return;
    this.#buf = undefined;
    const i = holders.indexOf(this);
    if (i >= 0) holders.splice(i, 1);
    free.push(b);
  }

  #ended(position: number, n: number): number {
    this.#next = position + n;
    return n;
  }

  /** This reader's buffer: its own, a free one, a new one, or the least recently used one. */
  #buffer(): Uint8Array {
    this.#used = ++clock;
    if (this.#buf !== undefined) return this.#buf;
    let b = free.pop();
    if (b === undefined && holders.length < MAX_BUFFERS) b = new Uint8Array(READ_AHEAD_BYTES);
    if (b === undefined) {
      let lru = 0;
      for (let i = 1; i < holders.length; i++) if (holders[i]!.#used < holders[lru]!.#used) lru = i;
      const victim = holders[lru]!;
      b = victim.#buf!;
      victim.#buf = undefined;
      holders.splice(lru, 1);
    }
    holders.push(this);
    this.#buf = b;
    return b;
  }
}

/**
 * Copies this short or shorter go byte by byte: set() needs a subarray, a new
 * object per copy. Measured (read-calls.mts, 100,000 sequential reads): 1 B
 * 100 -> 64-73 ns, 16 B 102 -> 81-92 ns, heap growth 14 B -> 0 per read; at
 * 32 B the loop only breaks even, at 64 B it lost (106 -> 144 ns).
 */
const SHORT_COPY = 16;

/** dst[at, at+n) = src[from, from+n). */
function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, from: number, n: number): void {
  if (n <= SHORT_COPY) {
    for (let i = 0; i < n; i++) dst[at + i] = src[from + i]!;
    return;
  }
  dst.set(src.subarray(from, from + n), at);
}

/** Buffers in use and free (tests). */
export function readAheadStats(): { inUse: number; free: number } {
  return { inUse: holders.length, free: free.length };
}

/**
 * Reading a tar's header blocks and extended-header payloads for indexTar,
 * with as few preads as the archive allows: sources without `view` are read
 * through a 64 KiB read-ahead window, so a tar of small files costs one
 * pread per many headers.
 */
import { BLOCK, MAX_META_BYTES } from "./headers.ts";
import { TarError } from "./errors.ts";
import { readFully } from "../../sources/byte-source.ts";
import type { ByteSource } from "../../sources/byte-source.ts";

/**
 * Header blocks and extended-header payloads of the source. In memory: views.
 * Otherwise through a read-ahead window: archives of small files hold many
 * headers per 64 KiB, so one pread serves them all; after a big file the next
 * header is read alone (a window there would mostly read content).
 */
export class HeaderReader {
  static readonly WINDOW = 64 * 1024;
  readonly #source: ByteSource;
  readonly #window = new Uint8Array(HeaderReader.WINDOW);
  #start = 0;
  #length = 0;
  #last = 0;

  constructor(source: ByteSource) {
    this.#source = source;
  }

  /** The 512-byte block at `at`, or undefined past the end (the returned bytes are valid until the next call). */
  block(at: number): Uint8Array | undefined {
    return this.bytes(at, BLOCK);
  }

  /** `size` bytes of an extended header's data at `at` (TarError when over the limit or truncated). */
  payload(at: number, size: number, what: string, hdrAt: number): Uint8Array {
    if (size > MAX_META_BYTES) throw new TarError(hdrAt, "", `${what} of ${size} bytes exceeds the ${MAX_META_BYTES}-byte limit`);
    if (at + size > this.#source.size) throw new TarError(hdrAt, "", `truncated ${what}: ${size} bytes past the end of the archive`);
    const got = this.bytes(at, size);
    if (got === undefined) throw new TarError(hdrAt, "", `truncated ${what}`);
    return got;
  }

  bytes(at: number, n: number): Uint8Array | undefined {
    const v = this.#source.view?.(at, n);
    if (v !== undefined) return v;
    const hop = at - this.#last;
    this.#last = at;
    if (at >= this.#start && at + n <= this.#start + this.#length) return this.#window.subarray(at - this.#start, at - this.#start + n);
    if (n > HeaderReader.WINDOW) {
      const buf = new Uint8Array(n);
      return readFully(this.#source, buf, at) === n ? buf : undefined;
    }
    // Read ahead after a short hop from the previous header (small files); read little after a long one.
    const want = hop >= 0 && hop < HeaderReader.WINDOW / 2 ? HeaderReader.WINDOW : Math.max(n, 4096);
    const len = Math.min(want, this.#source.size - at);
    if (len < n) return undefined;
    const got = readFully(this.#source, this.#window.subarray(0, len), at);
    this.#start = at;
    this.#length = got;
    return got >= n ? this.#window.subarray(0, n) : undefined;
  }
}

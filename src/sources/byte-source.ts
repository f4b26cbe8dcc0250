/**
 * ByteSource: synchronous random-access bytes, the input of TarLayer (and of
 * anything else that indexes a blob in place). Synchronous because the layer
 * interface is: WASI calls are synchronous, so a layer read must be too.
 *
 * Implementations
 * - MemorySource: bytes already in memory (an ArrayBuffer or a
 *   SharedArrayBuffer-backed view); `view` gives zero-copy subarrays.
 * - FileSource (src/host/node-file-source.ts, deno-file-source.ts): a host
 *   file read with pread, so a 5 GiB layer never sits in memory.
 * - Later: an HTTP Range source. fetch is asynchronous, so such a source
 *   prefetches what it will be asked for (the header blocks while indexing,
 *   then whole files or fixed-size blocks on open) into memory or a browser
 *   cache, and serves `read` synchronously from there; a read of bytes not
 *   yet fetched throws an FsError (EAGAIN/EIO) instead of blocking. A worker
 *   with Atomics.wait over a SharedArrayBuffer can also make it blocking.
 *   Nothing in this interface assumes the bytes are local.
 */
import { Errno, FsError } from "../core/errno.ts";

export interface ByteSource {
  /** Total size in bytes (constant while the source lives). */
  readonly size: number;
  /**
   * Copy bytes starting at `position` into `into` (pread): returns the count,
   * short only at end of source (0 at or past it). Throws an FsError on I/O failure.
   */
  read(into: Uint8Array, position: number): number;
  /**
   * Optional: a zero-copy view of `length` bytes at `position`, when those
   * bytes are in memory (undefined otherwise, or when the range passes the
   * end). Callers must not write to it.
   */
  view?(position: number, length: number): Uint8Array | undefined;
  /** Release the underlying resource (file descriptor...). Reads after close throw EBADF. */
  close?(): void;
}

/** Bytes in memory as a ByteSource. Works over SharedArrayBuffer-backed views too. */
export class MemorySource implements ByteSource {
  readonly size: number;
  readonly #bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError("MemorySource: bytes must be a Uint8Array");
    // A plain Uint8Array view (a Node Buffer's subarray is several times slower), same memory.
    this.#bytes = Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.size = bytes.byteLength;
  }

  read(into: Uint8Array, position: number): number {
    checkPosition(position, "read");
    if (position >= this.size) return 0;
    const n = Math.min(into.length, this.size - position);
    into.set(this.#bytes.subarray(position, position + n));
    return n;
  }

  view(position: number, length: number): Uint8Array | undefined {
    checkPosition(position, "view");
    if (!Number.isSafeInteger(length) || length < 0 || position + length > this.size) return undefined;
    return this.#bytes.subarray(position, position + length);
  }
}

/** Positions are non-negative safe integers (EINVAL otherwise, as pread gives). */
export function checkPosition(position: number, op: string): void {
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new FsError(Errno.INVAL, op, undefined, `position ${position} is not a non-negative integer`);
  }
}

/** Read exactly `into.length` bytes at `position` or return the short count (loops over short reads). */
export function readFully(source: ByteSource, into: Uint8Array, position: number): number {
  let done = 0;
  while (done < into.length) {
    const n = source.read(done === 0 ? into : into.subarray(done), position + done);
    if (n <= 0) break;
    done += n;
  }
  return done;
}

/**
 * The guest's linear memory as the syscalls see it: a DataView and byte
 * views, rebuilt when memory.grow replaced the buffer. A pointer outside
 * memory is a RangeError, which the syscall table turns into EFAULT.
 */
import { Errno, FsError } from "../core/errno.ts";

export class GuestMemory {
  private memory: WebAssembly.Memory | undefined;
  private current: ArrayBufferLike | undefined;
  /** The buffer is a plain ArrayBuffer, which memory.grow detaches (byteLength 0) when it replaces it. */
  private detachesOnGrow = false;
  private dv: DataView = new DataView(new ArrayBuffer(0));

  /** Attach the guest's memory (done by WasiHost.start/initialize; tests may pass their own). */
  attach(memory: WebAssembly.Memory): void {
    this.memory = memory;
    this.current = undefined;
  }

  /** Current DataView over memory (EFAULT when none is attached). */
  view(): DataView {
    // A live (not detached) ArrayBuffer is still the memory's: no call of the memory.buffer getter.
    // Detached shows as length 0 of the byte view over all of it: a Uint8Array's length is an
    // inlined load in V8, ArrayBuffer's byteLength a call (2.8 against 0.6 ns). The rest is
    // out of line, so that this stays small enough to inline into each syscall.
    if (this.current !== undefined && this.detachesOnGrow && this.all.length !== 0) return this.dv;
    return this.refresh();
  }

  /** view() after a grow, on first use, or for a shared memory. */
  private refresh(): DataView {
    const b = this.current;
    const m = this.memory;
    if (m === undefined) throw new FsError(Errno.FAULT, undefined, undefined, "no memory attached");
    if (m.buffer !== b) {
      const next = m.buffer;
      this.current = next;
      // A SharedArrayBuffer is not detached by a grow (another thread's grow gives a new, longer one).
      this.detachesOnGrow = typeof SharedArrayBuffer === "undefined" || !(next instanceof SharedArrayBuffer);
      this.dv = new DataView(next);
      this.all = new Uint8Array(next);
      // A wasm memory is whole 64 KiB pages: both views cover all of it.
      this.words32 = new Uint32Array(next, 0, next.byteLength >>> 2);
      this.words64 = new BigUint64Array(next, 0, next.byteLength >>> 3);
    }
    return this.dv;
  }

  private all: Uint8Array = new Uint8Array(0);
  private words32: Uint32Array = new Uint32Array(0);
  private words64: BigUint64Array = new BigUint64Array(0);

  /** Bytes of all of memory, for readers that index it themselves (same freshness as view()). */
  u8(): Uint8Array {
    this.view();
    return this.all;
  }

  /** All of memory as 32-bit words (call view() first in the same syscall). */
  get u32(): Uint32Array {
    return this.words32;
  }

  /** All of memory as 64-bit words (call view() first in the same syscall). */
  get u64(): BigUint64Array {
    return this.words64;
  }

  /** The buffer behind view() (call view() first in the same syscall). */
  get buffer(): ArrayBuffer {
    return this.current as ArrayBuffer;
  }

  /** Bytes of memory (call view() first in the same syscall): a DataView's byteLength is a call in V8. */
  get size(): number {
    return this.all.length;
  }

  /** The view bytes() made last: guests read and write one buffer call after call. */
  private last: Uint8Array = new Uint8Array(0);
  /** Its buffer, offset and length (a typed array's buffer, byteOffset are calls in V8: 7.5 ns each). */
  private lastBuffer: ArrayBufferLike | undefined;
  private lastPtr = 0;
  private lastLen = 0;

  /**
   * A view of guest memory [ptr, ptr+len) (RangeError -> EFAULT when outside).
   * The same range of the same buffer gives the same view again: no garbage
   * per call, so a guest streaming a file never makes the GC run inside its
   * reads (with a collection pending, the first allocation finishes it there).
   */
  bytes(ptr: number, len: number): Uint8Array {
    this.view();
    const p = ptr >>> 0;
    const n = len >>> 0;
    const current = this.current;
    if (this.lastBuffer === current && this.lastPtr === p && this.lastLen === n) return this.last;
    this.last = new Uint8Array(current as ArrayBuffer, p, n);
    this.lastBuffer = current;
    this.lastPtr = p;
    this.lastLen = n;
    return this.last;
  }
}

/**
 * The guest's linear memory as the syscalls see it: a DataView and byte
 * views, rebuilt when memory.grow replaced the buffer. A pointer outside
 * memory is a RangeError, which the syscall table turns into EFAULT.
 */
import { Errno, FsError } from "../core/errno.ts";

export class GuestMemory {
  private memory: WebAssembly.Memory | undefined;
  private current: ArrayBufferLike | undefined;
  private dv: DataView = new DataView(new ArrayBuffer(0));
  /** A shared memory's grow keeps the old buffer usable (shorter): ask the memory for it on every call. */
  private shared = false;

  /** Attach the guest's memory (done by WasiHost.start/initialize; tests may pass their own). */
  attach(memory: WebAssembly.Memory): void {
    this.memory = memory;
    this.current = undefined;
    this.shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
  }

  /** Current DataView over memory (EFAULT when none is attached). */
  view(): DataView {
    // memory.grow detaches an unshared memory's buffer (byteLength 0): until then the view is
    // current, and reading memory.buffer (a host call in V8) on every syscall is not needed.
    if (!this.shared && this.current !== undefined && this.current.byteLength !== 0) return this.dv;
    const m = this.memory;
    if (m === undefined) throw new FsError(Errno.FAULT, undefined, undefined, "no memory attached");
    if (m.buffer !== this.current) {
      this.current = m.buffer;
      this.dv = new DataView(m.buffer);
    }
    return this.dv;
  }

  /** The buffer behind view() (call view() first in the same syscall). */
  get buffer(): ArrayBuffer {
    return this.current as ArrayBuffer;
  }

  /** A view of guest memory [ptr, ptr+len) (RangeError -> EFAULT when outside). */
  bytes(ptr: number, len: number): Uint8Array {
    this.view();
    return new Uint8Array(this.current as ArrayBuffer, ptr >>> 0, len >>> 0);
  }
}

/**
 * Minimal stdio Fds for createShimWasi (the shim's ConsoleStdout would need a
 * runtime import of the shim): stdin from bytes, stdout/stderr to a callback.
 */
import type { wasi } from "@bjorn3/browser_wasi_shim";
import { Errno } from "../../core/errno.ts";
import { FILETYPE } from "../abi.ts";
import { CHARACTER_DEVICE_FILESTAT } from "../filestat.ts";
import { STDIN_RIGHTS, STDOUT_RIGHTS, rightsToU64 } from "../rights.ts";
import { UnionFdBase } from "./fd-base.ts";
import { ShimFdstat, ShimFilestat } from "./structs.ts";

abstract class CharDeviceFd extends UnionFdBase {
  override fd_fdstat_get(): { ret: number; fdstat: wasi.Fdstat | null } {
    return { ret: Errno.SUCCESS, fdstat: new ShimFdstat(FILETYPE.CHARACTER_DEVICE, this.fdflags, rightsToU64(this.rightsBase), 0n) };
  }
  override fd_filestat_get(): { ret: number; filestat: wasi.Filestat | null } {
    return { ret: Errno.SUCCESS, filestat: new ShimFilestat(CHARACTER_DEVICE_FILESTAT) };
  }
  override fd_filestat_set_times(): number {
    return Errno.SUCCESS;
  }
  override fd_seek(): { ret: number; offset: bigint } {
    return { ret: Errno.SPIPE, offset: 0n };
  }
  override fd_tell(): { ret: number; offset: bigint } {
    return { ret: Errno.SPIPE, offset: 0n };
  }
  override fd_readdir_single(): { ret: number; dirent: wasi.Dirent | null } {
    return { ret: Errno.NOTDIR, dirent: null };
  }
}

/** stdin that yields `data` once, then end of file. */
export class BytesInputFd extends CharDeviceFd {
  #data: Uint8Array;
  #pos = 0;
  constructor(data: Uint8Array = new Uint8Array(0)) {
    super(STDIN_RIGHTS, 0);
    this.#data = data;
  }
  /** For poll_oneoff: bytes a read would return now. */
  readableBytes(): bigint {
    return BigInt(this.#data.length - this.#pos);
  }
  override fd_read(size: number): { ret: number; data: Uint8Array } {
    const out = this.#data.slice(this.#pos, this.#pos + size);
    this.#pos += out.length;
    return { ret: Errno.SUCCESS, data: out };
  }
}

/** stdout/stderr delivering every write to `write` (the bytes are the callee's to keep). */
export class CallbackOutputFd extends CharDeviceFd {
  readonly #write: (bytes: Uint8Array) => void;
  constructor(write: (bytes: Uint8Array) => void) {
    super(STDOUT_RIGHTS, 0);
    this.#write = write;
  }
  override fd_write(data: Uint8Array): { ret: number; nwritten: number } {
    // The shim passes a fresh slice of guest memory: safe to hand over as is.
    if (data.length > 0) this.#write(data);
    return { ret: Errno.SUCCESS, nwritten: data.length };
  }
}

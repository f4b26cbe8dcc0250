/**
 * The fd-level I/O of union files and directories for the shim: fd-io.ts,
 * the code layerfs's dispatcher runs too (a directory gets its errnos: EISDIR
 * to read, EBADF to write...).
 */
import type { wasi } from "@bjorn3/browser_wasi_shim";
import { Errno } from "../../core/errno.ts";
import type { Stat, Union, UnionFile } from "../../core/union.ts";
import { fdSetTimes } from "../fd-control.ts";
import { fdAllocate, fdRead, fdSeek, fdSetSize, fdTell, fdWrite, guestOffset } from "../fd-io.ts";
import type { FdState } from "../fd-io.ts";
import { RIGHTS, requireRights, rightsToU64 } from "../rights.ts";
import { EMPTY, guard, guardWith, UnionFdBase } from "./fd-base.ts";
import { ShimFdstat, ShimFilestat } from "./structs.ts";

/** The shim's Fd.fd_read(size): a fresh buffer of at most `size` bytes read through fd-io.ts. */
function readInto(h: FdState, size: number, position: number | undefined): { ret: number; data: Uint8Array } {
  const buf = new Uint8Array(h.kind === "dir" ? 0 : size);
  const n = fdRead(h, buf, position);
  return { ret: Errno.SUCCESS, data: n === size ? buf : buf.subarray(0, n) };
}

/** Base of the union file and directory Fds. */
export abstract class UnionNodeFd extends UnionFdBase {
  abstract readonly kind: "file" | "dir";

  /** The WASI filetype fd_fdstat_get reports. */
  protected abstract readonly filetype: number;
  abstract readonly file: UnionFile | undefined;
  abstract readonly union: Union;
  abstract readonly path: string;
  /** What fd_filestat_get reports. */
  protected nodeStat(): Stat {
    return this.file!.stat();
  }

  #state(): FdState {
    return this as unknown as FdState;
  }
  override fd_close(): number {
    return guard(() => {
      this.file?.close();
      return Errno.SUCCESS;
    });
  }
  override fd_fdstat_get(): { ret: number; fdstat: wasi.Fdstat | null } {
    const fdstat = new ShimFdstat(this.filetype, this.fdflags, rightsToU64(this.rightsBase), rightsToU64(this.rightsInheriting));
    return { ret: Errno.SUCCESS, fdstat };
  }
  override fd_filestat_get(): { ret: number; filestat: wasi.Filestat | null } {
    return guardWith(() => {
      requireRights(this.rightsBase, RIGHTS.FD_FILESTAT_GET);
      return { ret: Errno.SUCCESS, filestat: ShimFilestat.fromStat(this.nodeStat()) };
    }, (ret) => ({ ret, filestat: null }));
  }
  override fd_filestat_set_times(atim: bigint, mtim: bigint, fst: number): number {
    return guard(() => {
      fdSetTimes(this, atim, mtim, fst);
      return Errno.SUCCESS;
    });
  }
  override fd_read(size: number): { ret: number; data: Uint8Array } {
    return guardWith(() => readInto(this.#state(), size, undefined), (ret) => ({ ret, data: EMPTY }));
  }
  override fd_pread(size: number, offset: bigint): { ret: number; data: Uint8Array } {
    return guardWith(() => readInto(this.#state(), size, guestOffset(offset)), (ret) => ({ ret, data: EMPTY }));
  }
  override fd_write(data: Uint8Array): { ret: number; nwritten: number } {
    return guardWith(() => ({ ret: Errno.SUCCESS, nwritten: fdWrite(this.#state(), data, undefined) }),
      (ret) => ({ ret, nwritten: 0 }));
  }
  override fd_pwrite(data: Uint8Array, offset: bigint): { ret: number; nwritten: number } {
    return guardWith(() => ({ ret: Errno.SUCCESS, nwritten: fdWrite(this.#state(), data, guestOffset(offset)) }),
      (ret) => ({ ret, nwritten: 0 }));
  }
  override fd_filestat_set_size(size: bigint): number {
    return guard(() => {
      fdSetSize(this.#state(), size);
      return Errno.SUCCESS;
    });
  }
  override fd_allocate(offset: bigint, len: bigint): number {
    return guard(() => {
      fdAllocate(this.#state(), offset, len);
      return Errno.SUCCESS;
    });
  }
  override fd_seek(offset: bigint, whence: number): { ret: number; offset: bigint } {
    return guardWith(() => ({ ret: Errno.SUCCESS, offset: fdSeek(this.#state(), offset, whence) }), (ret) => ({ ret, offset: 0n }));
  }
  override fd_tell(): { ret: number; offset: bigint } {
    return guardWith(() => ({ ret: Errno.SUCCESS, offset: fdTell(this.#state()) }), (ret) => ({ ret, offset: 0n }));
  }
}


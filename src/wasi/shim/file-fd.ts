/** An open regular file of the union as a browser_wasi_shim Fd. */
import type { wasi } from "@bjorn3/browser_wasi_shim";
import { Errno } from "../../core/errno.ts";
import type { Union, UnionFile } from "../../core/union.ts";
import { FILETYPE } from "../abi.ts";
import { fdSetTimes, fdSync } from "../fd-control.ts";
import type { SyncRights } from "../fd-control.ts";
import { readableBytes } from "../fd-io.ts";
import type { FileFdState } from "../fd-io.ts";
import { RIGHTS, requireRights, rightsToU64 } from "../rights.ts";
import { guard, guardWith } from "./fd-base.ts";
import { UnionNodeFd } from "./node-fd.ts";
import { ShimFdstat, ShimFilestat } from "./structs.ts";

/** The shim calls Fd.fd_sync for fd_sync and fd_datasync alike: either right will do. */
const SHIM_SYNC_RIGHTS: SyncRights = { accepted: RIGHTS.FD_DATASYNC | RIGHTS.FD_SYNC, reported: RIGHTS.FD_SYNC };

export class UnionFileFd extends UnionNodeFd implements FileFdState {
  readonly kind = "file";
  readonly union: Union;
  file: UnionFile;
  /** Union path at open time (for diagnostics: the file object is what counts). */
  readonly path: string;
  position = 0;

  constructor(union: Union, path: string, file: UnionFile, rightsBase: number, rightsInheriting: number, fdflags: number) {
    super(rightsBase, rightsInheriting);
    this.union = union;
    this.path = path;
    this.file = file;
    this.fdflags = fdflags;
  }

  override fd_close(): number {
    return guard(() => {
      this.file.close();
      return Errno.SUCCESS;
    });
  }
  override fd_fdstat_get(): { ret: number; fdstat: wasi.Fdstat | null } {
    const fdstat = new ShimFdstat(
      FILETYPE.REGULAR_FILE, this.fdflags, rightsToU64(this.rightsBase), rightsToU64(this.rightsInheriting));
    return { ret: Errno.SUCCESS, fdstat };
  }
  override fd_filestat_get(): { ret: number; filestat: wasi.Filestat | null } {
    return guardWith(() => {
      requireRights(this.rightsBase, RIGHTS.FD_FILESTAT_GET);
      return { ret: Errno.SUCCESS, filestat: ShimFilestat.fromStat(this.file.stat()) };
    }, (ret) => ({ ret, filestat: null }));
  }
  override fd_filestat_set_times(atim: bigint, mtim: bigint, fst: number): number {
    return guard(() => {
      fdSetTimes(this, atim, mtim, fst);
      return Errno.SUCCESS;
    });
  }
  /** For poll_oneoff: bytes a read would return now. */
  readableBytes(): bigint {
    try {
      return readableBytes(this);
    } catch {
      return 0n;
    }
  }
  override fd_sync(): number {
    return guard(() => {
      fdSync(this, SHIM_SYNC_RIGHTS);
      return Errno.SUCCESS;
    });
  }
}


/** An open regular file of the union as a browser_wasi_shim Fd. */
import { Errno } from "../../core/errno.ts";
import type { Union, UnionFile } from "../../core/union.ts";
import { FILETYPE } from "../abi.ts";
import { fdSync } from "../fd-control.ts";
import type { SyncRights } from "../fd-control.ts";
import { readableBytes } from "../fd-io.ts";
import type { FileFdState } from "../fd-io.ts";
import { RIGHTS } from "../rights.ts";
import { guard } from "./fd-base.ts";
import { UnionNodeFd } from "./node-fd.ts";

/** The shim calls Fd.fd_sync for fd_sync and fd_datasync alike: either right will do. */
const SHIM_SYNC_RIGHTS: SyncRights = { accepted: RIGHTS.FD_DATASYNC | RIGHTS.FD_SYNC, reported: RIGHTS.FD_SYNC };

export class UnionFileFd extends UnionNodeFd implements FileFdState {
  readonly kind = "file";
  protected readonly filetype = FILETYPE.REGULAR_FILE;
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


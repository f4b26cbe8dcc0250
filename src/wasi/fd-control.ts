/**
 * The descriptor calls besides the data path that both front-ends (layerfs's
 * dispatcher and the browser_wasi_shim adapter) make on union files and
 * directories: fd_sync/fd_datasync, fd_advise, fd_fdstat_set_flags and
 * fd_filestat_set_times. Data moves in fd-io.ts.
 */
import { Errno, FsError } from "../core/errno.ts";
import type { Union, UnionFile } from "../core/union.ts";
import { ADVICE_MAX, FDFLAGS_ALL } from "./abi.ts";
import { toSafe } from "./offsets.ts";
import { RIGHTS, requireRights } from "./rights.ts";
import { requestedTimes } from "./times.ts";
import { fail } from "./fd-io.ts";

/** The fields these calls read of a descriptor; stdio has no file and no union. */
export interface ControlledFd {
  readonly kind: "file" | "dir" | "stdio";
  rightsBase: number;
  fdflags: number;
  readonly file?: UnionFile | undefined;
  readonly union?: Union;
  readonly path?: string;
}


/** The rights a sync call accepts (any one of them), and the one whose absence it reports. */
export interface SyncRights {
  accepted: number;
  reported: number;
}

/** fd_sync's rights: FD_SYNC. */
export const SYNC_RIGHTS: SyncRights = { accepted: RIGHTS.FD_SYNC, reported: RIGHTS.FD_SYNC };
/** fd_datasync's: FD_DATASYNC or FD_SYNC (fdatasync on a read-only fd is legal POSIX; wasi-libc grants FD_SYNC there). */
export const DATASYNC_RIGHTS: SyncRights = { accepted: RIGHTS.FD_DATASYNC | RIGHTS.FD_SYNC, reported: RIGHTS.FD_DATASYNC };

/** fd_sync / fd_datasync: a file's data reaches its layer. */
export function fdSync(h: ControlledFd, rights: SyncRights): void {
  if ((h.rightsBase & rights.accepted) === 0) requireRights(h.rightsBase, rights.reported);
  if (h.kind === "file") h.file?.sync();
}

/** fd_advise: validated, then nothing to do (the union has no page cache to advise). */
export function fdAdvise(h: ControlledFd, offset: bigint, len: bigint, advice: number): void {
  if (advice >>> 0 > ADVICE_MAX) fail(Errno.INVAL);
  if (h.kind === "stdio") fail(Errno.SPIPE);
  requireRights(h.rightsBase, RIGHTS.FD_ADVISE);
  toSafe(offset, Errno.INVAL);
  toSafe(len, Errno.INVAL);
}

/** fd_fdstat_set_flags: EINVAL for unknown flags. */
export function fdSetFlags(h: { rightsBase: number; fdflags: number }, flags: number): void {
  if ((flags & ~FDFLAGS_ALL) !== 0) fail(Errno.INVAL);
  requireRights(h.rightsBase, RIGHTS.FD_FDSTAT_SET_FLAGS);
  h.fdflags = flags & FDFLAGS_ALL;
}

/**
 * fd_filestat_set_times: on the open object itself when the descriptor has
 * one (it may have been renamed or unlinked since), else on the directory's
 * union path; stdio accepts and keeps nothing.
 */
export function fdSetTimes(h: ControlledFd, atim: bigint, mtim: bigint, fst: number): void {
  const [a, m] = requestedTimes(atim, mtim, fst);
  requireRights(h.rightsBase, RIGHTS.FD_FILESTAT_SET_TIMES);
  if (a === undefined && m === undefined) return;
  if (h.file !== undefined) h.file.setTimes(a, m);
  else if (h.union !== undefined && h.path !== undefined) h.union.setTimes(h.path, a, m, true);
}

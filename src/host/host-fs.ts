/**
 * Helpers shared by the HostFs implementations (node-fs.ts, deno-fs.ts): host
 * error codes to WASI errnos, mode decoding, time conversion. The interface
 * itself is DirLayer's port (src/layers/dir/host-fs.ts). Platform-neutral.
 */
import { Errno, FsError, isFsError } from "../core/errno.ts";
import type { HostFileKind } from "../layers/dir/host-fs.ts";

/** Host error codes (node's and Deno's `code` strings) that are not spelled like WASI's. */
const CODE_ALIASES: Record<string, number> = {
  EOPNOTSUPP: Errno.NOTSUP,
  EWOULDBLOCK: Errno.AGAIN,
  EDEADLOCK: Errno.DEADLK,
  ENOTBLK: Errno.INVAL,
  EUSERS: Errno.DQUOT,
  ERR_FS_FILE_TOO_LARGE: Errno.FBIG,
  ERR_OUT_OF_RANGE: Errno.INVAL,
  ERR_INVALID_ARG_VALUE: Errno.INVAL,
  ERR_INVALID_ARG_TYPE: Errno.INVAL,
};

/** Deno error class names (Deno.errors.*) for errors that carry no `code`. */
const NAME_ERRNO: Record<string, number> = {
  NotFound: Errno.NOENT,
  PermissionDenied: Errno.ACCES,
  NotCapable: Errno.NOTCAPABLE,
  AlreadyExists: Errno.EXIST,
  NotADirectory: Errno.NOTDIR,
  IsADirectory: Errno.ISDIR,
  InvalidData: Errno.INVAL,
  TimedOut: Errno.TIMEDOUT,
  Interrupted: Errno.INTR,
  WriteZero: Errno.IO,
  UnexpectedEof: Errno.IO,
  BadResource: Errno.BADF,
  Busy: Errno.BUSY,
  NotSupported: Errno.NOTSUP,
  FilesystemLoop: Errno.LOOP,
  NotEmpty: Errno.NOTEMPTY,
};

const CODE_INDEX: Map<string, number> = (() => {
  const m = new Map<string, number>();
  for (const [name, value] of Object.entries(Errno)) if (value !== 0) m.set("E" + name, value);
  m.set("E2BIG", Errno.TOOBIG);
  return m;
})();

/** WASI errno for a host error code string ("ENOENT"), or undefined if unknown. */
export function errnoForCode(code: string): number | undefined {
  return CODE_INDEX.get(code) ?? CODE_ALIASES[code];
}

/** Turn anything a host call threw into an FsError (unknown errors become EIO). */
export function toFsError(e: unknown, syscall: string, path?: string): FsError {
  if (isFsError(e)) return e;
  let errno: number | undefined;
  let detail: string | undefined;
  if (typeof e === "object" && e !== null) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") errno = errnoForCode(code);
    if (errno === undefined) {
      const name = (e as { name?: unknown }).name;
      if (typeof name === "string") errno = NAME_ERRNO[name];
    }
    const message = (e as { message?: unknown }).message;
    if (errno === undefined && typeof message === "string") detail = message;
  }
  return new FsError(errno ?? Errno.IO, syscall, path, detail);
}

/** S_IFMT decoding shared by implementations that see raw st_mode. */
export function kindOfMode(mode: number): HostFileKind {
  switch (mode & 0o170000) {
    case 0o100000: return "file";
    case 0o040000: return "dir";
    case 0o120000: return "symlink";
    case 0o020000: return "char";
    case 0o060000: return "block";
    case 0o010000: return "fifo";
    case 0o140000: return "socket";
    default: return "file";
  }
}

/** ns since the epoch -> seconds as a float (what node:fs and Deno take for times). */
export function nsToSeconds(ns: bigint): number {
  const s = ns / 1_000_000_000n;
  const rem = ns - s * 1_000_000_000n;
  return Number(s) + Number(rem) / 1e9;
}

/**
 * wasi_snapshot_preview1 ABI: every constant and struct layout the dispatcher
 * uses, in one place, with explicit little-endian offsets (WebAssembly/WASI
 * legacy/preview1/witx). Encoders write through a DataView so layouts are
 * exact and independent of host endianness.
 */

export const FILETYPE = {
  UNKNOWN: 0,
  BLOCK_DEVICE: 1,
  CHARACTER_DEVICE: 2,
  DIRECTORY: 3,
  REGULAR_FILE: 4,
  SOCKET_DGRAM: 5,
  SOCKET_STREAM: 6,
  SYMBOLIC_LINK: 7,
} as const;

/** `oflags` of path_open. */
export const OFLAGS = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;
export const OFLAGS_ALL = 0xf;

/** `fdflags` (fd_fdstat_get / fd_fdstat_set_flags / path_open). */
export const FDFLAGS = { APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 } as const;
export const FDFLAGS_ALL = 0x1f;

/** `lookupflags`. */
export const LOOKUPFLAGS = { SYMLINK_FOLLOW: 1 } as const;
export const LOOKUPFLAGS_ALL = 0x1;

/** `fstflags` of the set-times calls. */
export const FSTFLAGS = { ATIM: 1, ATIM_NOW: 2, MTIM: 4, MTIM_NOW: 8 } as const;
export const FSTFLAGS_ALL = 0xf;

export const WHENCE = { SET: 0, CUR: 1, END: 2 } as const;

export const CLOCKID = { REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME_ID: 2, THREAD_CPUTIME_ID: 3 } as const;

export const ADVICE_MAX = 5; // NORMAL SEQUENTIAL RANDOM WILLNEED DONTNEED NOREUSE

export const EVENTTYPE = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 } as const;
export const SUBCLOCKFLAGS = { ABSTIME: 1 } as const;

const PREOPENTYPE_DIR = 0;

// ---- struct sizes ----
export const FILESTAT_SIZE = 64;
export const FDSTAT_SIZE = 24;
export const DIRENT_SIZE = 24;
const IOVEC_SIZE = 8;
export const SUBSCRIPTION_SIZE = 48;
export const EVENT_SIZE = 32;

/** What a filestat carries (already in WASI terms). */
export interface Filestat {
  dev: bigint;
  ino: bigint;
  filetype: number;
  nlink: bigint;
  size: bigint;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
}

/** filestat (64 bytes): the offset of every field, the one statement of its layout (readers and writers use it). */
export const FILESTAT = { DEV: 0, INO: 8, FILETYPE: 16, NLINK: 24, SIZE: 32, ATIM: 40, MTIM: 48, CTIM: 56 } as const;

export function writeFilestat(view: DataView, ptr: number, s: Filestat): void {
  view.getBigUint64(ptr + FILESTAT.CTIM, true); // bounds check before any byte is written
  view.setBigUint64(ptr + FILESTAT.DEV, s.dev, true);
  view.setBigUint64(ptr + FILESTAT.INO, s.ino, true);
  writeFiletype(view, ptr, s.filetype);
  view.setBigUint64(ptr + FILESTAT.NLINK, s.nlink, true);
  view.setBigUint64(ptr + FILESTAT.SIZE, s.size, true);
  writeFilestatTimes(view, ptr, s.atim, s.mtim, s.ctim);
}

/**
 * A filestat from counts that are safe integers (a union Stat's), so a stat per
 * tree-walk entry costs no BigInts.
 */
export function writeFilestatNumbers(
  view: DataView, ptr: number, dev: number, ino: number, filetype: number, nlink: number, size: number,
  atim: bigint, mtim: bigint, ctim: bigint,
): void {
  view.getUint8(ptr + FILESTAT_SIZE - 1); // bounds check before any byte is written (no BigInt made)
  setU64(view, ptr + FILESTAT.DEV, dev);
  setU64(view, ptr + FILESTAT.INO, ino);
  writeFiletype(view, ptr, filetype);
  setU64(view, ptr + FILESTAT.NLINK, nlink);
  setU64(view, ptr + FILESTAT.SIZE, size);
  writeFilestatTimes(view, ptr, atim, mtim, ctim);
}

/** The ABI's byte order is the host's (then aligned fields may be stored through typed arrays: writeFilestatWords). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * writeFilestatNumbers through 32- and 64-bit views of the memory (`u32`,
 * `u64`, over the whole buffer), for a little-endian host and an 8-aligned
 * `ptr` whose 64 bytes the caller has bounds-checked (typed-array stores
 * outside are dropped silently): the same bytes, and in V8 a BigUint64Array
 * store of a time is several times cheaper than DataView.setBigUint64.
 */
export function writeFilestatWords(
  u32: Uint32Array, u64: BigUint64Array, ptr: number, dev: number, ino: number, filetype: number, nlink: number,
  size: number, atim: bigint, mtim: bigint, ctim: bigint,
): void {
  const w = ptr >>> 2;
  setWords(u32, w + FILESTAT.DEV / 4, dev);
  setWords(u32, w + FILESTAT.INO / 4, ino);
  u32[w + FILESTAT.FILETYPE / 4] = filetype; // the filetype byte, then 3 of its 7 bytes of padding
  u32[w + FILESTAT.FILETYPE / 4 + 1] = 0;
  setWords(u32, w + FILESTAT.NLINK / 4, nlink);
  setWords(u32, w + FILESTAT.SIZE / 4, size);
  const d = ptr >>> 3;
  u64[d + FILESTAT.ATIM / 8] = atim;
  u64[d + FILESTAT.MTIM / 8] = mtim;
  u64[d + FILESTAT.CTIM / 8] = ctim;
}

/** setU64 into two little-endian 32-bit words at word index `w`. */
function setWords(u32: Uint32Array, w: number, n: number): void {
  u32[w] = n % 4294967296;
  u32[w + 1] = Math.floor(n / 4294967296);
}

/** The filetype byte and the 7 bytes of padding after it. */
function writeFiletype(view: DataView, ptr: number, filetype: number): void {
  view.setUint8(ptr + FILESTAT.FILETYPE, filetype);
  view.setUint8(ptr + FILESTAT.FILETYPE + 1, 0);
  view.setUint16(ptr + FILESTAT.FILETYPE + 2, 0, true);
  view.setUint32(ptr + FILESTAT.FILETYPE + 4, 0, true);
}

function writeFilestatTimes(view: DataView, ptr: number, atim: bigint, mtim: bigint, ctim: bigint): void {
  view.setBigUint64(ptr + FILESTAT.ATIM, atim, true);
  view.setBigUint64(ptr + FILESTAT.MTIM, mtim, true);
  view.setBigUint64(ptr + FILESTAT.CTIM, ctim, true);
}

/**
 * A u64 field from a non-negative integer, without a BigInt: exact for every
 * integer a number holds below 2**64 (the remainder and the division by 2**32
 * are exact), as BigInt(n) would be.
 */
function setU64(view: DataView, ptr: number, n: number): void {
  view.setUint32(ptr, n % 4294967296, true);
  view.setUint32(ptr + 4, Math.floor(n / 4294967296), true);
}

export function readFilestat(view: DataView, ptr: number): Filestat {
  return {
    dev: view.getBigUint64(ptr + FILESTAT.DEV, true),
    ino: view.getBigUint64(ptr + FILESTAT.INO, true),
    filetype: view.getUint8(ptr + FILESTAT.FILETYPE),
    nlink: view.getBigUint64(ptr + FILESTAT.NLINK, true),
    size: view.getBigUint64(ptr + FILESTAT.SIZE, true),
    atim: view.getBigUint64(ptr + FILESTAT.ATIM, true),
    mtim: view.getBigUint64(ptr + FILESTAT.MTIM, true),
    ctim: view.getBigUint64(ptr + FILESTAT.CTIM, true),
  };
}

export interface Fdstat {
  filetype: number;
  flags: number;
  rightsBase: bigint;
  rightsInheriting: bigint;
}

/** fdstat (24 bytes): filetype u8 @0, flags u16 @2, rights_base u64 @8, rights_inheriting u64 @16. */
export function writeFdstat(view: DataView, ptr: number, s: Fdstat): void {
  view.getBigUint64(ptr + 16, true);
  view.setUint8(ptr, s.filetype);
  view.setUint8(ptr + 1, 0);
  view.setUint16(ptr + 2, s.flags, true);
  view.setUint32(ptr + 4, 0, true);
  view.setBigUint64(ptr + 8, s.rightsBase, true);
  view.setBigUint64(ptr + 16, s.rightsInheriting, true);
}

export function readFdstat(view: DataView, ptr: number): Fdstat {
  return {
    filetype: view.getUint8(ptr),
    flags: view.getUint16(ptr + 2, true),
    rightsBase: view.getBigUint64(ptr + 8, true),
    rightsInheriting: view.getBigUint64(ptr + 16, true),
  };
}

/**
 * dirent header (24 bytes) followed by the name without NUL: d_next u64 @0,
 * d_ino u64 @8, d_namlen u32 @16, d_type u8 @20.
 */
/** The 24-byte dirent header alone (padding zeroed), for callers that write the name themselves. */
export function writeDirentHeader(view: DataView, ptr: number, next: bigint, ino: bigint, namlen: number, type: number): void {
  view.setBigUint64(ptr, next, true);
  view.setBigUint64(ptr + 8, ino, true);
  view.setUint32(ptr + 16, namlen, true);
  view.setUint8(ptr + 20, type);
  view.setUint8(ptr + 21, 0);
  view.setUint16(ptr + 22, 0, true);
}

/** writeDirentHeader from counts that are non-negative integers (a union listing's): no BigInts. */
export function writeDirentNumbers(view: DataView, ptr: number, next: number, ino: number, namlen: number, type: number): void {
  setU64(view, ptr, next);
  setU64(view, ptr + 8, ino);
  view.setUint32(ptr + 16, namlen, true);
  view.setUint8(ptr + 20, type);
  view.setUint8(ptr + 21, 0);
  view.setUint16(ptr + 22, 0, true);
}

export interface DirentHeader {
  next: bigint;
  ino: bigint;
  namlen: number;
  type: number;
}

export function readDirentHeader(view: DataView, ptr: number): DirentHeader {
  return {
    next: view.getBigUint64(ptr, true),
    ino: view.getBigUint64(ptr + 8, true),
    namlen: view.getUint32(ptr + 16, true),
    type: view.getUint8(ptr + 20),
  };
}

/** prestat (8 bytes): tag u8 @0 (0 = dir), name_len u32 @4. */
export function writePrestat(view: DataView, ptr: number, nameLen: number): void {
  view.getUint32(ptr + 4, true);
  view.setUint32(ptr, 0, true); // tag 0 plus padding
  view.setUint8(ptr, PREOPENTYPE_DIR);
  view.setUint32(ptr + 4, nameLen, true);
}

/** iovec / ciovec (8 bytes): buf u32 @0, buf_len u32 @4. */
export interface Iovec {
  ptr: number;
  len: number;
}

/**
 * Read `count` iovecs at `ptr`, checking that every buffer lies inside memory
 * (RangeError otherwise). `reuse`: an array (and its iovec objects) to fill
 * instead of new ones, for a caller whose calls never overlap (a syscall's
 * own scratch: no garbage per call); it is what is returned.
 */
export function readIovecs(view: DataView, ptr: number, count: number, reuse?: Iovec[]): Iovec[] {
  if (count > 0) view.getUint32(ptr + (count - 1) * IOVEC_SIZE + 4, true);
  const out = reuse ?? []; // filled in order: a packed array (a pre-sized one is holey)
  const limit = view.byteLength;
  for (let i = 0; i < count; i++) {
    const p = view.getUint32(ptr + i * IOVEC_SIZE, true);
    const len = view.getUint32(ptr + i * IOVEC_SIZE + 4, true);
    if (p + len > limit) throw new RangeError("iovec outside memory");
    const iov = out[i];
    if (iov === undefined) out[i] = { ptr: p, len };
    else { iov.ptr = p; iov.len = len; }
  }
  if (out.length !== count) out.length = count;
  return out;
}

/**
 * subscription (48 bytes): userdata u64 @0, tag u8 @8, union @16:
 * clock: id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40;
 * fd_read / fd_write: fd u32 @16.
 */
export type Subscription =
  | { userdata: bigint; tag: 0; clockId: number; timeout: bigint; precision: bigint; flags: number }
  | { userdata: bigint; tag: 1 | 2; fd: number }
  | { userdata: bigint; tag: number; bad: true };

export function readSubscription(view: DataView, ptr: number): Subscription {
  view.getUint8(ptr + SUBSCRIPTION_SIZE - 1);
  const userdata = view.getBigUint64(ptr, true);
  const tag = view.getUint8(ptr + 8);
  if (tag === EVENTTYPE.CLOCK) {
    return {
      userdata, tag: 0,
      clockId: view.getUint32(ptr + 16, true),
      timeout: view.getBigUint64(ptr + 24, true),
      precision: view.getBigUint64(ptr + 32, true),
      flags: view.getUint16(ptr + 40, true),
    };
  }
  if (tag === EVENTTYPE.FD_READ || tag === EVENTTYPE.FD_WRITE) {
    return { userdata, tag, fd: view.getUint32(ptr + 16, true) };
  }
  return { userdata, tag, bad: true };
}

export function writeSubscriptionClock(
  view: DataView, ptr: number, userdata: bigint, clockId: number, timeout: bigint, flags = 0,
): void {
  for (let i = 0; i < SUBSCRIPTION_SIZE; i++) view.setUint8(ptr + i, 0);
  view.setBigUint64(ptr, userdata, true);
  view.setUint8(ptr + 8, EVENTTYPE.CLOCK);
  view.setUint32(ptr + 16, clockId, true);
  view.setBigUint64(ptr + 24, timeout, true);
  view.setUint16(ptr + 40, flags, true);
}

export function writeSubscriptionFd(view: DataView, ptr: number, userdata: bigint, tag: 1 | 2, fd: number): void {
  for (let i = 0; i < SUBSCRIPTION_SIZE; i++) view.setUint8(ptr + i, 0);
  view.setBigUint64(ptr, userdata, true);
  view.setUint8(ptr + 8, tag);
  view.setUint32(ptr + 16, fd, true);
}

export interface Event {
  userdata: bigint;
  error: number;
  type: number;
  nbytes: bigint;
  flags: number;
}

/** event (32 bytes): userdata u64 @0, error u16 @8, type u8 @10, fd_readwrite: nbytes u64 @16, flags u16 @24. */
export function writeEvent(view: DataView, ptr: number, e: Event): void {
  view.getUint8(ptr + EVENT_SIZE - 1);
  for (let i = 0; i < EVENT_SIZE; i++) view.setUint8(ptr + i, 0);
  view.setBigUint64(ptr, e.userdata, true);
  view.setUint16(ptr + 8, e.error, true);
  view.setUint8(ptr + 10, e.type);
  view.setBigUint64(ptr + 16, e.nbytes, true);
  view.setUint16(ptr + 24, e.flags, true);
}

export function readEvent(view: DataView, ptr: number): Event {
  return {
    userdata: view.getBigUint64(ptr, true),
    error: view.getUint16(ptr + 8, true),
    type: view.getUint8(ptr + 10),
    nbytes: view.getBigUint64(ptr + 16, true),
    flags: view.getUint16(ptr + 24, true),
  };
}

/** Every function of wasi_snapshot_preview1, in witx order. */
export const PREVIEW1_FUNCTIONS = [
  "args_get", "args_sizes_get", "environ_get", "environ_sizes_get",
  "clock_res_get", "clock_time_get",
  "fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get", "fd_fdstat_set_flags",
  "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times",
  "fd_pread", "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir",
  "fd_renumber", "fd_seek", "fd_sync", "fd_tell", "fd_write",
  "path_create_directory", "path_filestat_get", "path_filestat_set_times", "path_link", "path_open",
  "path_readlink", "path_remove_directory", "path_rename", "path_symlink", "path_unlink_file",
  "poll_oneoff", "proc_exit", "proc_raise", "sched_yield", "random_get",
  "sock_accept", "sock_recv", "sock_send", "sock_shutdown",
] as const;

export type Preview1Function = (typeof PREVIEW1_FUNCTIONS)[number];

/**
 * The result objects browser_wasi_shim's dispatcher expects from an Fd
 * (Filestat, Fdstat, Dirent, Prestat), written without importing the shim at
 * runtime: its dispatcher only calls their write methods and reads a few
 * fields, so plain classes of the same shape do. Our Filestat writes the
 * preview1 64-byte layout correctly (0.4.2's own puts the times at @38/@46/@52).
 */
import type { wasi } from "@bjorn3/browser_wasi_shim";
import { DIRENT_SIZE, FILETYPE } from "../abi.ts";
import type { EntryType } from "../../core/layer.ts";
import type { Stat } from "../../core/union.ts";

const encoder = new TextEncoder();

export function filetypeOf(type: EntryType): number {
  return type === "dir" ? FILETYPE.DIRECTORY : type === "symlink" ? FILETYPE.SYMBOLIC_LINK : FILETYPE.REGULAR_FILE;
}

/** preview1 `filestat`, written at the right offsets. */
export class ShimFilestat implements wasi.Filestat {
  dev: bigint;
  ino: bigint;
  filetype: number;
  nlink: bigint;
  size: bigint;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;

  constructor(ino: bigint, filetype: number, size: bigint) {
    this.dev = 0n;
    this.ino = ino;
    this.filetype = filetype;
    this.nlink = 1n;
    this.size = size;
    this.atim = 0n;
    this.mtim = 0n;
    this.ctim = 0n;
  }

  static fromStat(s: Stat): ShimFilestat {
    const f = new ShimFilestat(BigInt(s.ino), filetypeOf(s.type), BigInt(s.size));
    f.dev = BigInt(s.dev);
    f.nlink = BigInt(s.nlink);
    f.atim = s.atimeNs;
    f.mtim = s.mtimeNs;
    f.ctim = s.ctimeNs;
    return f;
  }

  write_bytes(view: DataView, ptr: number): void {
    writeFilestatFields(view, ptr, this);
  }
}

/** Write any shim-style Filestat (its fields) in the preview1 layout. */
export function writeFilestatFields(view: DataView, ptr: number, s: wasi.Filestat): void {
  view.getBigUint64(ptr + 56, true); // bounds check before any byte is written
  view.setBigUint64(ptr, BigInt.asUintN(64, s.dev), true);
  view.setBigUint64(ptr + 8, BigInt.asUintN(64, s.ino), true);
  view.setUint8(ptr + 16, s.filetype);
  for (let i = 17; i < 24; i++) view.setUint8(ptr + i, 0);
  view.setBigUint64(ptr + 24, BigInt.asUintN(64, s.nlink), true);
  view.setBigUint64(ptr + 32, BigInt.asUintN(64, s.size), true);
  view.setBigUint64(ptr + 40, BigInt.asUintN(64, s.atim), true);
  view.setBigUint64(ptr + 48, BigInt.asUintN(64, s.mtim), true);
  view.setBigUint64(ptr + 56, BigInt.asUintN(64, s.ctim), true);
}

export class ShimFdstat implements wasi.Fdstat {
  fs_filetype: number;
  fs_flags: number;
  fs_rights_base: bigint;
  fs_rights_inherited: bigint;

  constructor(filetype: number, flags: number, base = 0n, inheriting = 0n) {
    this.fs_filetype = filetype;
    this.fs_flags = flags;
    this.fs_rights_base = base;
    this.fs_rights_inherited = inheriting;
  }

  write_bytes(view: DataView, ptr: number): void {
    view.getBigUint64(ptr + 16, true);
    view.setUint8(ptr, this.fs_filetype);
    view.setUint8(ptr + 1, 0);
    view.setUint16(ptr + 2, this.fs_flags, true);
    view.setUint32(ptr + 4, 0, true);
    view.setBigUint64(ptr + 8, this.fs_rights_base, true);
    view.setBigUint64(ptr + 16, this.fs_rights_inherited, true);
  }
}

export class ShimDirent implements wasi.Dirent {
  d_next: bigint;
  d_ino: bigint;
  d_namlen: number;
  d_type: number;
  dir_name: Uint8Array;

  constructor(next: bigint, ino: bigint, name: Uint8Array, type: number) {
    this.d_next = next;
    this.d_ino = ino;
    this.d_namlen = name.length;
    this.d_type = type;
    this.dir_name = name;
  }

  head_length(): number {
    return DIRENT_SIZE;
  }

  name_length(): number {
    return this.dir_name.length;
  }

  write_head_bytes(view: DataView, ptr: number): void {
    view.setBigUint64(ptr, this.d_next, true);
    view.setBigUint64(ptr + 8, this.d_ino, true);
    view.setUint32(ptr + 16, this.dir_name.length, true);
    view.setUint8(ptr + 20, this.d_type);
    view.setUint8(ptr + 21, 0);
    view.setUint16(ptr + 22, 0, true);
  }

  write_name_bytes(view8: Uint8Array, ptr: number, bufLen: number): void {
    view8.set(this.dir_name.subarray(0, Math.min(this.dir_name.length, bufLen)), ptr);
  }
}

class ShimPrestatDir implements wasi.PrestatDir {
  pr_name: Uint8Array;
  constructor(name: string) {
    this.pr_name = encoder.encode(name);
  }
  write_bytes(view: DataView, ptr: number): void {
    view.setUint32(ptr, this.pr_name.byteLength, true);
  }
}

export class ShimPrestat implements wasi.Prestat {
  tag = 0; // preopentype dir
  inner: ShimPrestatDir;
  constructor(name: string) {
    this.inner = new ShimPrestatDir(name);
  }
  write_bytes(view: DataView, ptr: number): void {
    view.setUint8(ptr, this.tag);
    view.setUint8(ptr + 1, 0);
    view.setUint16(ptr + 2, 0, true);
    this.inner.write_bytes(view, ptr + 4);
  }
}

/**
 * The result objects browser_wasi_shim's dispatcher expects from an Fd
 * (Filestat, Fdstat, Dirent, Prestat), written without importing the shim at
 * runtime: its dispatcher only calls their write methods and reads a few
 * fields, so plain classes of the same shape do. Every layout comes from
 * ../abi.ts (so our Filestat writes the preview1 64-byte layout correctly;
 * 0.4.2's own puts the times at @38/@46/@52).
 */
import type { wasi } from "@bjorn3/browser_wasi_shim";
import { DIRENT_SIZE, writeDirentHeader, writeFdstat, writeFilestat, writePrestat } from "../abi.ts";
import type { Filestat } from "../abi.ts";
import { statToFilestat } from "../filestat.ts";
import type { Stat } from "../../core/union.ts";

const encoder = new TextEncoder();

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

  constructor(s: Readonly<Filestat>) {
    this.dev = s.dev;
    this.ino = s.ino;
    this.filetype = s.filetype;
    this.nlink = s.nlink;
    this.size = s.size;
    this.atim = s.atim;
    this.mtim = s.mtim;
    this.ctim = s.ctim;
  }

  static fromStat(s: Stat): ShimFilestat {
    return new ShimFilestat(statToFilestat(s));
  }

  write_bytes(view: DataView, ptr: number): void {
    writeFilestat(view, ptr, this);
  }
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
    writeFdstat(view, ptr, {
      filetype: this.fs_filetype, flags: this.fs_flags,
      rightsBase: this.fs_rights_base, rightsInheriting: this.fs_rights_inherited,
    });
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
    writeDirentHeader(view, ptr, this.d_next, this.d_ino, this.dir_name.length, this.d_type);
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
    writePrestat(view, ptr, this.inner.pr_name.byteLength);
  }
}

// Calls preview1 imports directly on a WebAssembly.Memory we prepare: no wasm
// module needed, so every syscall can be driven with exact arguments (including
// bad pointers). Portable: no node:* imports.
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import type { MemorySpec } from "../../src/layers/memory.ts";
import { createWasi } from "../../src/wasi/host.ts";
import type { WasiHost, WasiOptions } from "../../src/wasi/host.ts";

export const ROOT = 3;
const enc = new TextEncoder();
const dec = new TextDecoder();

// Sys is the import object seen from JS: i32 as number, i64 as bigint.
export type Sys = Record<string, (...args: (number | bigint)[]) => number>;

export interface Harness {
  union: Union;
  host: WasiHost;
  sys: Sys;
  memory: WebAssembly.Memory;
  view(): DataView;
  u8(): Uint8Array;
  /** Bump-allocate `n` zeroed bytes (8-aligned); returns the address. */
  alloc(n: number): number;
  /** Copy a string into memory; returns [ptr, byteLength]. */
  str(s: string | Uint8Array): [number, number];
  read(ptr: number, len: number): Uint8Array;
  text(ptr: number, len: number): string;
  u32(ptr: number): number;
  u64(ptr: number): bigint;
  /** path_open: returns [errno, fd]. */
  open(path: string, opts?: { fd?: number; oflags?: number; rights?: bigint; inheriting?: bigint; fdflags?: number; follow?: boolean }): [number, number];
  /** fd_write of one buffer: [errno, nwritten]. */
  write(fd: number, data: string | Uint8Array): [number, number];
  /** fd_read into a fresh buffer of `len`: [errno, text]. */
  readText(fd: number, len: number): [number, string];
  stdout(): string;
  stderr(): string;
}

export function lowerSpec(): MemorySpec {
  return {
    "etc/": {},
    "etc/hostname": "box\n",
    "etc/motd": "welcome to the lower layer\n",
    "data/a.txt": "aaaa",
    "data/b.txt": "bbbbbbbb",
    "data/sub/c.txt": "c",
    "link-to-a": { symlink: "data/a.txt" },
    "abs-link": { symlink: "/etc/hostname" },
    "escape-link": { symlink: "../../../etc/hostname" },
    "dangling": { symlink: "nowhere" },
    "dirlink": { symlink: "data" },
  };
}

/** Every file and directory right (SOCK_SHUTDOWN, bit 28, is never handed down). */
export const ALL_RIGHTS = (1n << 28n) - 1n;
export const R_READ = 1n << 1n;
export const R_WRITE = 1n << 6n;
export const R_SEEK = 1n << 2n;
export const R_TELL = 1n << 5n;

export function harness(options: Partial<WasiOptions> & { spec?: MemorySpec; union?: Union } = {}): Harness {
  const union = options.union ?? new Union(new Image([MemoryLayer.from(options.spec ?? lowerSpec(), { timeNs: 1_000_000_000n })]), new MemoryLayer());
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const host = createWasi({
    args: ["prog", "arg one", "ü"],
    env: { HOME: "/root" },
    stdin: "ignore",
    stdout: (b) => out.push(b),
    stderr: (b) => err.push(b),
    ...options,
    union,
  });
  const memory = new WebAssembly.Memory({ initial: 2 });
  host.dispatcher.setMemory(memory);
  const sys = host.imports.wasi_snapshot_preview1 as unknown as Sys;
  let top = 1024;
  const h: Harness = {
    union, host, sys, memory,
    view: () => new DataView(memory.buffer),
    u8: () => new Uint8Array(memory.buffer),
    alloc(n) {
      const p = top;
      top += (n + 7) & ~7;
      if (top > memory.buffer.byteLength) throw new Error("harness: out of scratch memory");
      new Uint8Array(memory.buffer, p, n).fill(0);
      return p;
    },
    str(s) {
      const b = typeof s === "string" ? enc.encode(s) : s;
      const p = h.alloc(b.length || 1);
      new Uint8Array(memory.buffer).set(b, p);
      return [p, b.length];
    },
    read: (ptr, len) => new Uint8Array(memory.buffer).slice(ptr, ptr + len),
    text: (ptr, len) => dec.decode(new Uint8Array(memory.buffer).slice(ptr, ptr + len)),
    u32: (ptr) => new DataView(memory.buffer).getUint32(ptr, true),
    u64: (ptr) => new DataView(memory.buffer).getBigUint64(ptr, true),
    open(path, o = {}) {
      const [p, l] = h.str(path);
      const fdp = h.alloc(4);
      const e = sys.path_open!(o.fd ?? ROOT, o.follow === false ? 0 : 1, p, l, o.oflags ?? 0,
        o.rights ?? ALL_RIGHTS, o.inheriting ?? 0n, o.fdflags ?? 0, fdp);
      return [e, h.u32(fdp)];
    },
    write(fd, data) {
      const [p, l] = h.str(data);
      const iov = h.alloc(8);
      h.view().setUint32(iov, p, true);
      h.view().setUint32(iov + 4, l, true);
      const np = h.alloc(4);
      const e = sys.fd_write!(fd, iov, 1, np);
      return [e, h.u32(np)];
    },
    readText(fd, len) {
      const buf = h.alloc(len);
      const iov = h.alloc(8);
      h.view().setUint32(iov, buf, true);
      h.view().setUint32(iov + 4, len, true);
      const np = h.alloc(4);
      const e = sys.fd_read!(fd, iov, 1, np);
      return [e, h.text(buf, h.u32(np))];
    },
    stdout: () => out.map((b) => dec.decode(b)).join(""),
    stderr: () => err.map((b) => dec.decode(b)).join(""),
  };
  return h;
}

/** Rights a wasi-libc O_RDONLY open asks for (everything but the write-like ones). */
export const RIGHTS_RDONLY = ALL_RIGHTS & ~(1n | R_WRITE | (1n << 8n) | (1n << 14n) | (1n << 22n)) | R_READ | (1n << 14n);

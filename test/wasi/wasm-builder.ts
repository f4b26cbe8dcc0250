// A tiny WebAssembly binary writer for hand-made test modules (no wat2wasm here):
// function imports, one memory (exported as "memory" unless told not to), one
// `_start` body given as raw instruction bytes, and data segments.

export interface ImportSpec {
  module: string;
  name: string;
  params: number;
  results: number;
}

export interface ModuleSpec {
  imports: ImportSpec[];
  /** Instruction bytes of `_start` (without the final `end`). */
  start: number[];
  data?: { offset: number; bytes: number[] | Uint8Array }[];
  exportMemory?: boolean;
}

const I32 = 0x7f;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const enc = new TextEncoder();
const name = (s: string) => { const b = [...enc.encode(s)]; return [...uleb(b.length), ...b]; };
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

// Instruction helpers.
export const op = {
  i32: (v: number) => [0x41, ...sleb(v)],
  call: (f: number) => [0x10, ...uleb(f)],
  drop: [0x1a],
  load: [0x28, 0x02, 0x00],
  store: [0x36, 0x02, 0x00],
  eqz: [0x45],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  br: (d: number) => [0x0c, ...uleb(d)],
  end: [0x0b],
};

/** u32 little-endian bytes. */
export function u32s(...vals: number[]): number[] {
  return vals.flatMap((v) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
}

export function buildModule(spec: ModuleSpec): Uint8Array<ArrayBuffer> {
  const types: number[][] = spec.imports.map((i) => [0x60, ...vec(Array(i.params).fill([I32])), ...vec(Array(i.results).fill([I32]))]);
  types.push([0x60, 0, 0]); // () -> () for _start
  const startType = types.length - 1;
  const imports = spec.imports.map((i, k) => [...name(i.module), ...name(i.name), 0x00, ...uleb(k)]);
  const exportsList = [[...name("_start"), 0x00, ...uleb(spec.imports.length)]];
  if (spec.exportMemory !== false) exportsList.push([...name("memory"), 0x02, 0]);
  const body = [0, ...spec.start, 0x0b]; // no locals
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec([uleb(startType)])),
    ...section(5, vec([[0x00, 1]])),
    ...section(7, vec(exportsList)),
    ...section(10, vec([[...uleb(body.length), ...body]])),
    ...section(11, vec((spec.data ?? []).map((d) => [0x00, 0x41, ...sleb(d.offset), 0x0b, ...uleb(d.bytes.length), ...d.bytes]))),
  ];
  return new Uint8Array(bytes);
}

const W = "wasi_snapshot_preview1";
export const FD_WRITE: ImportSpec = { module: W, name: "fd_write", params: 4, results: 1 };
export const FD_READ: ImportSpec = { module: W, name: "fd_read", params: 4, results: 1 };
export const PROC_EXIT: ImportSpec = { module: W, name: "proc_exit", params: 1, results: 0 };

/** Writes `text` to fd 1, then proc_exit(code) (or returns normally when code is undefined). */
export function helloModule(text: string, code?: number): Uint8Array<ArrayBuffer> {
  const t = [...enc.encode(text)];
  const start = [
    ...op.i32(1), ...op.i32(0), ...op.i32(1), ...op.i32(8), ...op.call(0), ...op.drop,
    ...(code === undefined ? [] : [...op.i32(code), ...op.call(1)]),
  ];
  return buildModule({ imports: [FD_WRITE, PROC_EXIT], start, data: [{ offset: 0, bytes: u32s(16, t.length) }, { offset: 16, bytes: t }] });
}

/** cat: copies fd 0 to fd 1 in 64-byte reads until EOF. */
export function catModule(): Uint8Array<ArrayBuffer> {
  const start = [
    ...op.block, ...op.loop,
    ...op.i32(0), ...op.i32(0), ...op.i32(1), ...op.i32(8), ...op.call(0), ...op.drop, // fd_read(0, iov@0, 1, &n@8)
    ...op.i32(8), ...op.load, ...op.eqz, ...op.brIf(1),
    ...op.i32(20), ...op.i32(8), ...op.load, ...op.store, // iov2.len = n
    ...op.i32(1), ...op.i32(16), ...op.i32(1), ...op.i32(24), ...op.call(1), ...op.drop, // fd_write(1, iov2@16, 1, &m@24)
    ...op.br(0), ...op.end, ...op.end,
  ];
  return buildModule({ imports: [FD_READ, FD_WRITE], start, data: [{ offset: 0, bytes: u32s(100, 64) }, { offset: 16, bytes: u32s(100, 0) }] });
}

// Per-call cost of a guest's fd_read (and fd_write), by size: node:wasi,
// layerfs (a DirLayer lower under a memory upper, as `layerfs run --layer`;
// writes go to a new file in a locked host-directory upper, as `--upper DIR`),
// and a bare JavaScript fd_read/fd_write that only calls fs.readSync/writeSync
// with guest memory (what any JS host pays). A hand-assembled wasm loop makes
// N calls of L bytes, so small L shows the fixed cost per call and large L the
// copy. Not part of `npm run bench` (no targets); a tool to see where a call's time goes.
//
// usage: npx tsx bench/tools/read-calls.mts
//   READ_CALLS_DIR (default /dev/shm/layerfs-read-calls), READ_CALLS_ROUNDS (9),
//   READ_CALLS_CASES (default "read:100000:16,read:100000:1024,read:30000:4096,pread:100000:16,read:4096:65536":
//   read = sequential fd_read; pread = fd_pread at twice the running offset, never sequential;
//   write = sequential fd_write into a new file, e.g. write:1024:65536; append = the same through an
//   O_APPEND descriptor (the bare JS fd_write writes at its own running offset); eof = fd_read of an
//   empty file, e.g. eof:100000:65536: every call a host read that moves no byte, the fixed cost of
//   a read of that size's path); READ_CALLS_STUB=1: see StubPreads.
import * as fs from "node:fs";
import { WASI as NodeWasi } from "node:wasi";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { dirLayer } from "../../src/host/node.ts";
import { NodeFs } from "../../src/host/node-fs.ts";
import { DirLayer } from "../../src/layers/dir/dir-layer.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { createWasi } from "../../src/wasi/host.ts";

const DIR = process.env.READ_CALLS_DIR ?? "/dev/shm/layerfs-read-calls";
const SIZE = 256 * 1024 * 1024;
const ROUNDS = Number(process.env.READ_CALLS_ROUNDS ?? 9);
const CASES = (process.env.READ_CALLS_CASES ?? "read:100000:16,read:100000:1024,read:30000:4096,pread:100000:16,read:4096:65536")
  .split(",").map((c) => { const [f, n, l] = c.split(":"); return { f: f === "pread" ? "runp" : f === "write" || f === "append" ? "runw" : "run", append: f === "append", eof: f === "eof", label: c, n: Number(n), len: Number(l) }; });

// ---- the wasm module: run(fd, n, len) / runp(fd, n, len) / runw(fd, n, len), reading into (writing from) memory at 65536
const uleb = (n: number): number[] => { const o: number[] = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; o.push(b); } while (n); return o; };
const sleb = (n: number): number[] => { const o: number[] = []; for (;;) { const b = n & 0x7f; n >>= 7; if ((n === 0 && !(b & 0x40)) || (n === -1 && (b & 0x40))) { o.push(b); return o; } o.push(b | 0x80); } };
const name = (s: string) => { const b = [...new TextEncoder().encode(s)]; return [...uleb(b.length), ...b]; };
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const I32 = 0x7f, I64 = 0x7e;
const c = (v: number) => [0x41, ...sleb(v)];
const get = (i: number) => [0x20, i], set = (i: number) => [0x21, i], tee = (i: number) => [0x22, i];
const STORE = [0x36, 2, 0], LOAD = [0x28, 2, 0];
/** Locals: 0 fd, 1 n, 2 len, 3 i, 4 total. iovec at 0, nread at 8. */
function loop(callee: number, pread: boolean): number[] {
  const code = [
    ...c(0), ...c(65536), ...STORE, ...c(4), ...get(2), ...STORE,
    0x03, 0x40,
    ...get(0), ...c(0), ...c(1), ...(pread ? [...get(4), 0xad, 0x42, 1, 0x86] : []), ...c(8), 0x10, ...uleb(callee), 0x1a,
    ...get(4), ...c(8), ...LOAD, 0x6a, ...set(4),
    ...get(3), ...c(1), 0x6a, ...tee(3), ...get(1), 0x49, 0x0d, 0,
    0x0b, ...get(4), 0x0b,
  ];
  const body = [1, 2, I32, ...code];
  return [...uleb(body.length), ...body];
}
function readModule(): Uint8Array<ArrayBuffer> {
  const W = "wasi_snapshot_preview1";
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec([
      [0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([[I32]])],
      [0x60, ...vec([[I32], [I32], [I32], [I64], [I32]]), ...vec([[I32]])],
      [0x60, ...vec([[I32], [I32], [I32]]), ...vec([[I32]])],
    ])),
    ...section(2, vec([[...name(W), ...name("fd_read"), 0, 0], [...name(W), ...name("fd_pread"), 0, 1], [...name(W), ...name("fd_write"), 0, 0]])),
    ...section(3, vec([[2], [2], [2]])),
    ...section(5, vec([[0, 4]])),
    ...section(7, vec([[...name("run"), 0, 3], [...name("runp"), 0, 4], [...name("runw"), 0, 5], [...name("memory"), 2, 0]])),
    ...section(10, vec([loop(0, false), loop(1, true), loop(2, false)])),
  ]);
}

interface Guest { run(fd: number, n: number, len: number): number; runp(fd: number, n: number, len: number): number; runw(fd: number, n: number, len: number): number; memory: WebAssembly.Memory }
type Imports = Record<string, (...a: never[]) => unknown>;

/** path_open under preopen 3, through the runtime's own import: big.bin (`eof`: empty.bin) to read, or (`write`) a new out.bin. */
function openBig(imp: Imports, memory: WebAssembly.Memory, write: boolean, append = false, eof = false): number {
  const path = new TextEncoder().encode(write ? "out.bin" : eof ? "empty.bin" : "big.bin");
  new Uint8Array(memory.buffer).set(path, 1024);
  const open = imp.path_open as unknown as (...a: (number | bigint)[]) => number;
  // write: O_CREAT|O_TRUNC, FD_WRITE|FD_SEEK|FD_TELL; read: FD_READ|FD_SEEK|FD_TELL
  const e = write ? open(3, 0, 1024, path.length, 1 | 8, 64n | 4n | 32n, 0n, append ? 1 : 0, 2048) : open(3, 0, 1024, path.length, 0, 2n | 4n | 32n, 0n, 0, 2048);
  if (e !== 0) throw new Error(`path_open: errno ${e}`);
  return new DataView(memory.buffer).getUint32(2048, true);
}

const mod = new WebAssembly.Module(readModule());
// READ_CALLS_STUB=1: layerfs's lower answers every pread with 0 bytes and no host call, so its
// figure is our JavaScript alone (with eof: per call, from the guest's call to HostFs.pread).
const STUB = process.env.READ_CALLS_STUB === "1";
class StubPreads extends NodeFs {
  override pread(): number {
    return 0;
  }
}
let last: Union | undefined;
const UPPER = `${DIR}/upper`;
const WRITES = `${DIR}/writes`;
const kinds: Record<string, (write: boolean, append: boolean, eof: boolean) => { guest: Guest; fd: number }> = {
  "node:wasi": (write, append, eof) => {
    if (write) { fs.rmSync(WRITES, { recursive: true, force: true }); fs.mkdirSync(WRITES); }
    const wasi = new NodeWasi({ version: "preview1", args: [], env: {}, preopens: { "/": write ? WRITES : DIR } });
    const imports = wasi.getImportObject() as { wasi_snapshot_preview1: Imports };
    const inst = new WebAssembly.Instance(mod, imports as unknown as WebAssembly.Imports);
    wasi.initialize(inst);
    const guest = inst.exports as unknown as Guest;
    return { guest, fd: openBig(imports.wasi_snapshot_preview1, guest.memory, write, append, eof) };
  },
  layerfs: (write, append, eof) => {
    last?.dispose(); // the previous run's (its upper's lock)
    if (write) { fs.rmSync(UPPER, { recursive: true, force: true }); fs.mkdirSync(UPPER); }
    const lower = STUB ? new DirLayer(new StubPreads(), DIR) : dirLayer(DIR);
    const union = (last = new Union(new Image([lower]), write ? dirLayer(UPPER, { writable: true, lock: true }) : new MemoryLayer()));
    const wasi = createWasi({ union, args: [] });
    const inst = new WebAssembly.Instance(mod, wasi.imports as unknown as WebAssembly.Imports);
    wasi.initialize(inst as unknown as { exports: Record<string, unknown> });
    const guest = inst.exports as unknown as Guest;
    return { guest, fd: openBig(wasi.imports.wasi_snapshot_preview1 as unknown as Imports, guest.memory, write, append, eof) };
  },
  "readSync only": (write, _append, eof) => {
    if (write) fs.mkdirSync(WRITES, { recursive: true });
    const hostFd = write ? fs.openSync(`${WRITES}/out.bin`, "w") : fs.openSync(`${DIR}/${eof ? "empty.bin" : "big.bin"}`, "r");
    let wrote = 0;
    let memory: WebAssembly.Memory | undefined;
    let u8 = new Uint8Array(0), dv = new DataView(new ArrayBuffer(0));
    const views = () => { if (u8.buffer !== memory!.buffer) { u8 = new Uint8Array(memory!.buffer); dv = new DataView(memory!.buffer); } };
    const read = (iovs: number, nread: number, position: number | null) => {
      views();
      dv.setUint32(nread, fs.readSync(hostFd, u8, dv.getUint32(iovs, true), dv.getUint32(iovs + 4, true), position), true);
      return 0;
    };
    const write1 = (iovs: number, nwritten: number) => {
      views();
      const n = fs.writeSync(hostFd, u8, dv.getUint32(iovs, true), dv.getUint32(iovs + 4, true), wrote);
      wrote += n;
      dv.setUint32(nwritten, n, true);
      return 0;
    };
    const inst = new WebAssembly.Instance(mod, { wasi_snapshot_preview1: {
      fd_read: (_fd: number, iovs: number, _n: number, nread: number) => read(iovs, nread, null),
      fd_pread: (_fd: number, iovs: number, _n: number, off: bigint, nread: number) => read(iovs, nread, Number(off)),
      fd_write: (_fd: number, iovs: number, _n: number, nwritten: number) => write1(iovs, nwritten),
    } });
    const guest = inst.exports as unknown as Guest;
    memory = guest.memory;
    return { guest, fd: 99 };
  },
};

if (!fs.existsSync(`${DIR}/big.bin`) || fs.statSync(`${DIR}/big.bin`).size !== SIZE) {
  fs.mkdirSync(DIR, { recursive: true });
  const chunk = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 255);
  const fd = fs.openSync(`${DIR}/big.bin`, "w");
  for (let i = 0; i < SIZE / chunk.length; i++) fs.writeSync(fd, chunk);
  fs.closeSync(fd);
}
fs.writeFileSync(`${DIR}/empty.bin`, "");
process.removeAllListeners("warning"); // node:wasi's ExperimentalWarning
const times = new Map<string, Map<string, number[]>>();
// READ_CALLS_HEAP=1: also the JS heap growth per call (bytes; no forced gc() before a run, which would
// age out the code under test; a scavenge during a run shows as a negative figure, hence the median).
const HEAP = process.env.READ_CALLS_HEAP === "1";
const heaps = new Map<string, Map<string, number[]>>();
const names = Object.keys(kinds);
for (let r = 0; r <= ROUNDS; r++) {
  for (const k of CASES) {
    // Each round in the other order, so that neither side always runs first.
    for (const kind of r % 2 === 0 ? names : [...names].reverse()) {
      const { guest, fd } = kinds[kind]!(k.f === "runw", k.append, k.eof);
      const heap = process.memoryUsage().heapUsed;
      const t = performance.now();
      const got = guest[k.f as "run" | "runp" | "runw"](fd, k.n, k.len);
      const ms = performance.now() - t;
      if (HEAP && r > 0) {
        const m = heaps.get(k.label) ?? heaps.set(k.label, new Map()).get(k.label)!;
        (m.get(kind) ?? m.set(kind, []).get(kind)!).push((process.memoryUsage().heapUsed - heap) / k.n);
      }
      if (got !== (k.eof ? 0 : k.n * k.len)) throw new Error(`${kind} ${k.label}: read ${got} bytes, not ${k.n * k.len}`);
      if (r === 0) continue; // warm-up
      const m = times.get(k.label) ?? times.set(k.label, new Map()).get(k.label)!;
      (m.get(kind) ?? m.set(kind, []).get(kind)!).push(ms);
    }
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
console.log(`fd_read/fd_write cost per call (ns, median of ${ROUNDS}; ratio to node:wasi), files on ${DIR}`);
for (const k of CASES) {
  const m = times.get(k.label)!;
  const base = median(m.get("node:wasi")!);
  console.log(k.label.padEnd(18), names.map((kind) => {
    const v = median(m.get(kind)!);
    return `${kind} ${((v * 1e6) / k.n).toFixed(0)} (${(v / base).toFixed(2)}×)`;
  }).join("   "));
}
if (HEAP) {
  console.log("JS heap growth per call (bytes, median)");
  for (const k of CASES) console.log(k.label.padEnd(18), names.map((kind) => `${kind} ${median(heaps.get(k.label)!.get(kind)!).toFixed(1)}`).join("   "));
}

// The cost of a guest's one path_open on a fresh union, run after run (what
// every `layerfs run` pays once: its code runs once per guest, so mostly
// unoptimized). Each iteration: a new union over the same host lower (and,
// for "create", a new locked host upper), a new WASI, then path_open of
// big.bin (read) or of a new out.bin (O_CREAT|O_TRUNC, write), timed alone.
// Not part of `npm run bench`.
// usage: node --import tsx bench/tools/open-cost.mts [read|create] [ITER]
import { mkdirSync } from "node:fs";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { dirLayer } from "../../src/host/node.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { createWasi } from "../../src/wasi/host.ts";
import { hostTree, removeTree } from "../lib/trees.ts";

const [mode = "read", iterArg = "40"] = process.argv.slice(2);
const DIR = process.env.OPEN_COST_DIR ?? "/dev/shm/layerfs-open-cost";
const plain = `${DIR}/plain`, upper = `${DIR}/upper`;
hostTree(plain, [], new Uint8Array(1 << 20));
const times: number[] = [];
for (let i = 0; i < Number(iterArg); i++) {
  const up = mode === "create" ? (removeTree(upper), mkdirSync(upper), dirLayer(upper, { writable: true, lock: true })) : new MemoryLayer();
  const union = new Union(new Image([dirLayer(plain)]), up);
  const wasi = createWasi({ union, args: ["x"] });
  const memory = new WebAssembly.Memory({ initial: 1 });
  wasi.dispatcher.setMemory(memory);
  const name = new TextEncoder().encode(mode === "create" ? "out.bin" : "big.bin");
  new Uint8Array(memory.buffer).set(name, 1024);
  const open = wasi.imports.wasi_snapshot_preview1.path_open;
  // read: FD_READ|FD_SEEK|FD_TELL...; create: O_CREAT|O_TRUNC with write rights
  const [oflags, rights] = mode === "create" ? [1 | 8, 0x1fffffffn] : [0, 2n | 4n | 32n];
  const t = performance.now();
  const e = open(3, 1, 1024, name.length, oflags, rights, 0n, 0, 2048);
  times.push(performance.now() - t);
  if (e !== 0) throw new Error(`path_open: errno ${e}`);
  union.dispose();
}
const fmt = (xs: number[]) => xs.map((x) => (x * 1000).toFixed(0)).join(" ");
console.log(`${mode}: path_open µs per fresh union, run by run: ${fmt(times)}`);

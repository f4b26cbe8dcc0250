/**
 * Issue 4 (host dirs): `tree` and small-file churn through `layerfs run` (the
 * CLI's code path, in this process) with a DirLayer lower and a DirLayer upper,
 * against node:wasi on the same directory without layering.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { FaultFs } from "../../src/host/fault-fs.ts";
import { NodeFs } from "../../src/host/node-fs.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import type { Config } from "../lib/config.ts";
import { underCli, underNodeWasi } from "../lib/guest.ts";
import type { GuestResult } from "../lib/guest.ts";
import { add, header } from "../lib/report.ts";
import { gc, median, nowMs } from "../lib/stats.ts";
import { hostTree, removeTree, treeFiles } from "../lib/trees.ts";

/** Interleaved runs (one of each per round, after one warm-up round); medians. */
async function pair(runs: number, a: () => Promise<GuestResult>, b: () => Promise<GuestResult>): Promise<[number, number, number[], number[]]> {
  const ta: number[] = [];
  const tb: number[] = [];
  gc(); // once: a forced gc() before every run would age out the JIT code of whichever runtime ran last
  for (let i = 0; i <= runs; i++) {
    // Alternate which goes first (the first after the other pays a little).
    let x: GuestResult;
    let y: GuestResult;
    if (i % 2 === 0) {
      x = await a();
      y = await b();
    } else {
      y = await b();
      x = await a();
    }
    if (i > 0) {
      ta.push(x.ms);
      tb.push(y.ms);
    }
  }
  return [median(ta), median(tb), ta, tb];
}

export async function hostDirs(cfg: Config): Promise<void> {
  header(`Issue 4: host directories (layerfs run --layer DIR --upper DIR vs node:wasi on DIR; ${cfg.dir})`);
  const base = `${cfg.dir}/host`;
  const lower = `${base}/lower`;
  const upper = `${base}/upper`;
  mkdirSync(base, { recursive: true });
  hostTree(lower, treeFiles(cfg.treeFiles), undefined);
  const fresh = () => removeTree(upper); // each run starts with an empty upper
  const layerfs = (args: string[]) => async () => {
    fresh();
    return await underCli(["--layer", lower, "--upper", upper], args);
  };
  const node = (args: string[]) => async () => {
    const r = await underNodeWasi(lower, args, base);
    removeTree(`${lower}/bench`);
    return r;
  };
  for (const [w, args, label] of [
    ["tree", ["tree", "/tree"], `tree: walk+stat ${cfg.treeFiles} files`],
    ["churn", ["churn"], "churn 2,000 × 4 KiB"],
  ] as const) {
    const [l, n, ls, ns] = await pair(cfg.runs, layerfs([...args]), node([...args]));
    const ratio = l / n;
    add({
      id: `4/${w}`, what: `layerfs run, DirLayer lower+upper: ${label}`, value: l, unit: "ms",
      peer: { name: "node:wasi", value: n, unit: "ms" }, ratio, target: "≤ 2.00× node:wasi", pass: ratio <= 2,
      samples: ls, peerSamples: ns,
    });
  }
  fresh();
  removeTree(base);
  hostLowerCopyUp(cfg);
}

/**
 * 4/copyup: a memory upper over a host-directory lower. A 4 KiB write into a big
 * host file copies up lazily (O(written bytes)), and a thousand copied-up files
 * hold no more host descriptors than the lower's bounded pool (issue 11).
 */
function hostLowerCopyUp(cfg: Config): void {
  const dir = `${cfg.dir}/copyup`;
  removeTree(dir);
  mkdirSync(`${dir}/lower/many`, { recursive: true });
  const size = cfg.bigMiB * 1024 * 1024;
  const fd = openSync(`${dir}/lower/big.bin`, "w");
  const block = new Uint8Array(1 << 20).fill(0x33);
  for (let off = 0; off < size; off += block.length) writeSync(fd, block, 0, block.length, off);
  closeSync(fd);
  const FILES = 1000;
  for (let i = 0; i < FILES; i++) writeFileSync(`${dir}/lower/many/f${i}`, `file ${i}\n`);
  const counting = new FaultFs(new NodeFs());
  const image = new Image([new DirLayer(counting, `${dir}/lower`)]);
  const data = new Uint8Array(4096).fill(0x5a);
  const times: number[] = [];
  for (let r = 0; r <= Math.max(10, cfg.runs * 4); r++) {
    const u = new Union(image, new MemoryLayer());
    u.stat("/big.bin");
    const t0 = nowMs();
    const f = u.open("/big.bin", { write: true });
    f.write(data, size >> 1);
    f.close();
    if (r > 0) times.push(nowMs() - t0);
  }
  const lazyMs = median(times);
  // Peer: the whole-file copy a non-lazy copy-up makes (read every byte through the lower).
  const full: number[] = [];
  for (let r = 0; r < Math.max(1, Math.min(3, cfg.bigRuns)); r++) {
    const src = image.layers[0]!.open("big.bin");
    const buf = new Uint8Array(size);
    const t0 = nowMs();
    for (let off = 0; off < size;) off += src.read(buf.subarray(off, Math.min(size, off + (1 << 20))), off);
    full.push(nowMs() - t0);
    src.close();
  }
  const fullMs = median(full);
  add({
    id: "4/copyup", what: `memory upper, host lower: write 4 KiB mid-file of ${cfg.bigMiB} MiB (copy-up)`, value: lazyMs * 1000, unit: "µs",
    peer: { name: `full read ${cfg.bigMiB} MiB`, value: fullMs, unit: "ms" }, ratio: fullMs / lazyMs,
    target: "≥ 100× faster", pass: fullMs / lazyMs >= 100, samples: times,
  });
  const u = new Union(image, new MemoryLayer());
  for (let i = 0; i < FILES; i++) u.chmod(`/many/f${i}`, 0o600);
  for (let i = 0; i < FILES; i++) u.readFile(`/many/f${i}`);
  const held = counting.openCount;
  add({
    id: "4/copyup", what: `host descriptors held after ${FILES} copy-ups read back (memory upper)`, value: held, unit: "fds",
    target: "≤ 16 (the lower's pool)", pass: held <= 16,
  });
  image.close();
  removeTree(dir);
}

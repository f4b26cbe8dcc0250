/**
 * Issue 4 (host dirs): `tree` and small-file churn through `layerfs run` (the
 * CLI's code path, in this process) with a DirLayer lower and a DirLayer upper,
 * against node:wasi on the same directory without layering.
 */
import { mkdirSync } from "node:fs";
import type { Config } from "../lib/config.ts";
import { underCli, underNodeWasi } from "../lib/guest.ts";
import type { GuestResult } from "../lib/guest.ts";
import { add, header } from "../lib/report.ts";
import { gc, median } from "../lib/stats.ts";
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
}

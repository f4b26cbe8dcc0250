// Host calls per union for the 4/stat stack (d/ with 100 unrelated files in every layer,
// d/target in the bottom one): UNIONS unions in a row over fresh DirLayers, each making the
// stat workload's first lookup (stat /d/target), all through one counting HostFs (as one
// `layerfs run` after another in a warm process over the process-wide HostFs). Prints the
// calls of each union by method (opening its layers, its first lookup, closing them), and its time. Not part of `npm run bench`.
//
//   node --import tsx bench/tools/share-calls.mts [UNIONS] [N...]
//
// SHARE_CALLS_SETTLE_MS (default 3500): wait this long after building the stack, so its
// directories are older than the racy window of shared lower indexes (shared-index.ts);
// 0 to see a freshly built stack. DEPTH_AB_DIR as in depth-ab.mts.
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import type { HostFs } from "../../src/layers/dir/mod.ts";
import { nodeFs } from "../../src/host/node.ts";
import { removeTree, statStack } from "../lib/trees.ts";

const DIR = process.env.DEPTH_AB_DIR ?? "/dev/shm/layerfs-share-calls";
const SETTLE = Number(process.env.SHARE_CALLS_SETTLE_MS ?? "3500");
const [unionsArg = "4", ...ns] = process.argv.slice(2);
const depths = ns.length > 0 ? ns.map(Number) : [1, 16, 64];
removeTree(DIR);
statStack(Array.from({ length: Math.max(...depths) }, (_, l) => `${DIR}/layer${l}`), 100);
if (SETTLE > 0) await new Promise((r) => setTimeout(r, SETTLE));

const calls = new Map<string, number>();
const inner = nodeFs();
const host = new Proxy(inner, {
  get(target, key, receiver) {
    const v = Reflect.get(target, key, receiver);
    if (typeof v !== "function") return v;
    return (...args: unknown[]) => { calls.set(String(key), (calls.get(String(key)) ?? 0) + 1); return v.apply(target, args); };
  },
}) as HostFs;

for (const n of depths) {
  for (let u = 0; u < Number(unionsArg); u++) {
    calls.clear();
    const t0 = performance.now();
    const layers = Array.from({ length: n }, (_, l) => new DirLayer(host, `${DIR}/layer${l}`));
    const opened = new Map(calls);
    calls.clear();
    const union = new Union(new Image(layers), new MemoryLayer());
    const t1 = performance.now();
    union.stat("/d/target");
    const t2 = performance.now();
    const looked = new Map(calls);
    calls.clear();
    // As the CLI closes a run: the union, then its image (each layer).
    union.close();
    union.image.close();
    const t3 = performance.now();
    const list = (m: Map<string, number>) => [...m].map(([k, c]) => `${k} ${c}`).join(", ") || "none";
    const total = [...looked.values()].reduce((a, b) => a + b, 0);
    console.log(`${String(n).padStart(3)} layers, union ${u + 1}: first lookup ${total} host calls (${list(looked)}) ${((t2 - t1) * 1000).toFixed(1)} us; ` +
      `open: ${list(opened)} ${((t1 - t0) * 1000).toFixed(0)} us; close: ${list(calls)} ${((t3 - t2) * 1000).toFixed(0)} us`);
  }
}

// The first lookup of /d/target under N host layers (the 4/stat stack), in process: time per
// union (layers opened fresh each round, so every index starts empty), JS vs host calls.
// Not part of `npm run bench`.
//
//   node --expose-gc --import tsx bench/tools/first-lookup.mts [ROUNDS] [N...]
//
// DEPTH_AB_SETTLE_MS (default 0): wait after building the stack (3500: its directories older than
// the racy window of shared lower indexes, src/layers/dir/shared-index.ts, as an image's are).
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { dirLayer } from "../../src/host/node.ts";
import { median } from "../lib/stats.ts";
import { removeTree, statStack } from "../lib/trees.ts";

const DIR = process.env.DEPTH_AB_DIR ?? "/dev/shm/layerfs-depth-ab";
const [roundsArg = "200", ...ns] = process.argv.slice(2);
const depths = ns.length > 0 ? ns.map(Number) : [1, 16, 64];
removeTree(DIR);
statStack(Array.from({ length: Math.max(...depths) }, (_, l) => `${DIR}/layer${l}`), 100);
const SETTLE = Number(process.env.DEPTH_AB_SETTLE_MS ?? "0");
if (SETTLE > 0) await new Promise((r) => setTimeout(r, SETTLE));
const times = new Map<number, number[]>(depths.map((n) => [n, []]));
for (let r = 0; r < Number(roundsArg); r++) {
  for (const n of depths) {
    const image = new Image(Array.from({ length: n }, (_, l) => dirLayer(`${DIR}/layer${l}`)));
    const union = new Union(image, new MemoryLayer());
    const t0 = performance.now();
    union.stat("/d/target");
    const t = performance.now() - t0;
    if (r >= 20) times.get(n)!.push(t);
    union.close();
    image.close(); // publishes what the layers' indexes learned (shared-index.ts), as the CLI's close does
  }
}
for (const n of depths) console.log(`${String(n).padStart(3)} layers: first stat ${(median(times.get(n)!) * 1000).toFixed(1)} us (min ${(Math.min(...times.get(n)!) * 1000).toFixed(1)})`);

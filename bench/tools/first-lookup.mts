// The first lookup of /d/target under N host layers (the 4/stat stack), in process: time per
// union (layers opened fresh each round, so every index starts empty), JS vs host calls.
// Not part of `npm run bench`.
//
//   node --expose-gc --import tsx bench/tools/first-lookup.mts [ROUNDS] [N...]
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { dirLayer } from "../../src/host/node.ts";
import { median } from "../lib/stats.ts";

const DIR = process.env.DEPTH_AB_DIR ?? "/dev/shm/layerfs-depth-ab";
const [roundsArg = "200", ...ns] = process.argv.slice(2);
const depths = ns.length > 0 ? ns.map(Number) : [1, 16, 64];
if (!existsSync(`${DIR}/layer0/d/target`)) {
  for (let l = 0; l < Math.max(...depths); l++) {
    mkdirSync(`${DIR}/layer${l}/d`, { recursive: true });
    for (let j = 0; j < 100; j++) writeFileSync(`${DIR}/layer${l}/d/u${l}_${j}`, "x");
  }
  writeFileSync(`${DIR}/layer0/d/target`, "the statted file\n");
}
const times = new Map<number, number[]>(depths.map((n) => [n, []]));
for (let r = 0; r < Number(roundsArg); r++) {
  for (const n of depths) {
    const layers = Array.from({ length: n }, (_, l) => dirLayer(`${DIR}/layer${l}`));
    const union = new Union(new Image(layers), new MemoryLayer());
    const t0 = performance.now();
    union.stat("/d/target");
    const t = performance.now() - t0;
    if (r >= 20) times.get(n)!.push(t);
    union.close();
  }
}
for (const n of depths) console.log(`${String(n).padStart(3)} layers: first stat ${(median(times.get(n)!) * 1000).toFixed(1)} us (min ${(Math.min(...times.get(n)!) * 1000).toFixed(1)})`);

// One runner of the 4/stat workload through the CLI (`layerfs run --layer ×N bench.wasm stats
// /d/target COUNT`), WARM runs then one marked run: lstat("/MARK-start") and lstat("/MARK-end")
// bracket it, for `strace -f` to cut out the host calls of exactly that run (as one-run.mts).
// The stack is built, then left SETTLE ms (default 3500: past the racy window of shared lower
// indexes, src/layers/dir/shared-index.ts, as an image's directories are). Not part of `npm run bench`.
//
//   strace -f -o OUT node --import tsx bench/tools/stat-run.mts [N] [COUNT] [WARM]
//   then: bench/tools/marked-calls.sh OUT
import { lstatSync } from "node:fs";
import { underCli } from "../lib/guest.ts";
import { removeTree, statStack } from "../lib/trees.ts";

const [nArg = "64", countArg = "10000", warmArg = "3"] = process.argv.slice(2);
const DIR = process.env.DEPTH_AB_DIR ?? "/dev/shm/layerfs-stat-run";
const SETTLE = Number(process.env.DEPTH_AB_SETTLE_MS ?? "3500");
const stack = Array.from({ length: Number(nArg) }, (_, l) => `${DIR}/layer${l}`);
removeTree(DIR);
statStack(stack, 100);
if (SETTLE > 0) await new Promise((r) => setTimeout(r, SETTLE));
const once = () => underCli(stack.flatMap((l) => ["--layer", l]), ["stats", "/d/target", countArg]);
process.removeAllListeners("warning");
for (let i = 0; i < Number(warmArg); i++) await once();
lstatSync("/MARK-start", { throwIfNoEntry: false });
const r = await once();
lstatSync("/MARK-end", { throwIfNoEntry: false });
console.log(`${nArg} layers, ${countArg} stats: ${r.ms} ms`);

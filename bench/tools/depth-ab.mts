// Stat-under-depth A/B in one process: `layerfs run --layer ×N bench.wasm stats /d/target COUNT`
// through each checkout's own CLI code (as bench/sections/host-dirs.ts's 4/stat rows), 1/16/64
// layers interleaved with the checkouts, round by round (order rotated). Not part of `npm run bench`.
//
//   node --expose-gc --import tsx bench/tools/depth-ab.mts [ROUNDS] [CHECKOUT...]
//
// CHECKOUT: a directory holding src/ (default: this one), e.g. a `git archive` of main with
// node_modules linked in. DEPTH_AB_LAYERS (default 1,16,64), DEPTH_AB_STATS (default 10000),
// DEPTH_AB_DIR (default /dev/shm/layerfs-depth-ab), DEPTH_AB_WARMUP (untimed rounds first, default 8),
// DEPTH_AB_SETTLE_MS (wait after building the stack, default 0: 3500 lets its directories age past
// the racy window of shared lower indexes, src/layers/dir/shared-index.ts, as an image's have). Prints per checkout and depth the medians of
// the guest's figure (ms) and of the wall time of the whole CLI call (compile, open, run, close).
import { fileURLToPath } from "node:url";
import { parseGuestOutput } from "../lib/guest.ts";
import { median } from "../lib/stats.ts";
import { removeTree, statStack } from "../lib/trees.ts";

const HERE = fileURLToPath(new URL("../..", import.meta.url));
const WASM = `${HERE}bench/wasm/bench.wasm`;
const DIR = process.env.DEPTH_AB_DIR ?? "/dev/shm/layerfs-depth-ab";
const LAYERS = (process.env.DEPTH_AB_LAYERS ?? "1,16,64").split(",").map(Number);
const STATS = process.env.DEPTH_AB_STATS ?? "10000";
const [roundsArg = "15", ...dirs] = process.argv.slice(2);
const checkouts = dirs.length > 0 ? dirs : [HERE];

// The stack of host-dirs.ts: d/ in every layer with 100 unrelated files, d/target in the bottom one.
removeTree(DIR);
const stack = Array.from({ length: Math.max(...LAYERS) }, (_, l) => `${DIR}/layer${l}`);
statStack(stack, 100);
const SETTLE = Number(process.env.DEPTH_AB_SETTLE_MS ?? "0");
if (SETTLE > 0) await new Promise((r) => setTimeout(r, SETTLE));

type Cli = (args: string[]) => Promise<{ ms: number; wall: number }>;
const decoder = new TextDecoder();
async function cliOf(root: string): Promise<Cli> {
  const { main } = await import(`${root}/src/cli/main.ts`);
  const { nodeRuntime } = await import(`${root}/src/cli/runtime-node.ts`);
  return async (args) => {
    const out: string[] = [];
    const err: string[] = [];
    const rt = {
      ...nodeRuntime(),
      stderr: (d: string | Uint8Array) => void err.push(typeof d === "string" ? d : decoder.decode(d)),
      programStdio: { stdout: (b: Uint8Array) => void out.push(decoder.decode(b)), stderr: (b: Uint8Array) => void err.push(decoder.decode(b)) },
    };
    const t0 = performance.now();
    const code = await main(["run", ...args], rt);
    const wall = performance.now() - t0;
    return { ms: parseGuestOutput(out.join(""), err.join(""), code, root).ms, wall };
  };
}

const runs: { name: string; cli: Cli; args: string[] }[] = [];
for (const [i, root] of checkouts.entries()) {
  const cli = await cliOf(root.replace(/\/$/, ""));
  for (const n of LAYERS) {
    const args = [...stack.slice(0, n).flatMap((l) => ["--layer", l]), WASM, "stats", "/d/target", STATS];
    runs.push({ name: `${i}:${root.split("/").filter(Boolean).pop()} ${n} layers`, cli, args });
  }
}
const guest = new Map<string, number[]>(runs.map((r) => [r.name, []]));
const walls = new Map<string, number[]>(runs.map((r) => [r.name, []]));
// One gc() first, none between runs: a full gc() flushes the bytecode of functions not run since.
(globalThis as { gc?: () => void }).gc?.();
const WARMUP = Number(process.env.DEPTH_AB_WARMUP ?? "8");
for (let round = -WARMUP; round < Number(roundsArg); round++) {
  for (let i = 0; i < runs.length; i++) {
    const r = runs[(i + Math.max(round, 0)) % runs.length]!;
    const { ms, wall } = await r.cli(r.args);
    if (round >= 0) { guest.get(r.name)!.push(ms); walls.get(r.name)!.push(wall); }
  }
}
for (const r of runs) {
  const g = guest.get(r.name)!;
  const w = walls.get(r.name)!;
  console.log(`${r.name.padEnd(28)} guest ${median(g).toFixed(3)} ms (min ${Math.min(...g).toFixed(3)})  wall ${median(w).toFixed(3)} ms (min ${Math.min(...w).toFixed(3)})`);
}

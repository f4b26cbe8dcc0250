// Fresh-process A/B: bench.wasm WORKLOAD once per new process, interleaved round by
// round across runtimes, guest-measured (as bench/sections/host-dirs.ts's
// freshProcessRow). Not part of `npm run bench`.
//
//   node --import tsx bench/tools/fresh-ab.mts WORKLOAD [ROUNDS] [VARIANT...]
//
// WORKLOAD: walk | churn | readbig | pwrite | stats. VARIANT (default: node tsx bundle):
//   node    node:wasi on the plain directory (bench/lib/run-once.ts node)
//   tsx     `layerfs run --layer` from source under tsx (bench/lib/run-once.ts layerfs: the bench's row)
//   bundle  `node bin/layerfs.js run --layer` (the bundled CLI in dist/cli/, as users run it)
//   bundle:DIR  the same with another bin/ + dist/ checkout (DIR/bin/layerfs.js), e.g. main's
//   flags:F1,F2[@VARIANT]  VARIANT (default bundle) with node flags F1 F2
// Prints each variant's median, min and samples of the guest's figure (ms), and the
// median wall time of the whole process (spawn to exit: loading the CLI included).
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseGuestOutput } from "../lib/guest.ts";
import { median } from "../lib/stats.ts";
import { bigBytes, hostTree, removeGuestOutput, removeTree, treeFiles } from "../lib/trees.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ONCE = `${ROOT}bench/lib/run-once.ts`;
const WASM = `${ROOT}bench/wasm/bench.wasm`;
const DIR = process.env.FRESH_AB_DIR ?? "/dev/shm/layerfs-fresh-ab";
const [work = "walk", roundsArg = "7", ...variantArgs] = process.argv.slice(2);
const variants = variantArgs.length > 0 ? variantArgs : ["node", "tsx", "bundle"];
const BIG = 256 * 1024 * 1024;

const plain = `${DIR}/plain`;
if (process.env.FRESH_AB_KEEP !== "1" || work === "pwrite") {
  removeTree(DIR);
  hostTree(plain, treeFiles(10_000), bigBytes(BIG));
  mkdirSync(`${plain}/d`, { recursive: true });
  writeFileSync(`${plain}/d/target`, "the statted file\n");
}
const args = {
  walk: ["walk", "/tree", "3"], churn: ["churn"], readbig: ["readbig", "/big.bin"],
  pwrite: ["pwrite", "/big.bin", String(BIG / 2)], stats: ["stats", "/d/target", "10000"],
}[work];
if (args === undefined) throw new Error(`unknown workload ${work}`);

function argv(variant: string, flags: string[] = []): string[] {
  if (variant.startsWith("flags:")) {
    const [f, inner = "bundle"] = variant.slice(6).split("@");
    return argv(inner, f!.split(",").filter((x) => x !== ""));
  }
  if (variant === "node") return [...flags, "--import", "tsx", ONCE, "node", plain, ...args!];
  if (variant === "tsx") return [...flags, "--import", "tsx", ONCE, "layerfs", plain, ...args!];
  const root = variant === "bundle" ? ROOT : `${variant.slice("bundle:".length)}/`;
  return [...flags, `${root}bin/layerfs.js`, "run", "--layer", plain, WASM, ...args!];
}

const samples = new Map<string, number[]>(variants.map((v) => [v, []]));
const walls = new Map<string, number[]>(variants.map((v) => [v, []]));
for (let r = 0; r < Number(roundsArg); r++) {
  // Rotate the order each round, so no variant always runs right after another.
  for (let i = 0; i < variants.length; i++) {
    const v = variants[(i + r) % variants.length]!;
    const t0 = performance.now();
    const p = spawnSync(process.execPath, argv(v), { encoding: "utf8" });
    walls.get(v)!.push(performance.now() - t0);
    samples.get(v)!.push(parseGuestOutput(p.stdout, p.stderr, p.status, v).ms);
    removeGuestOutput(plain);
  }
}
for (const [v, xs] of samples) {
  console.log(`${work.padEnd(8)} ${v.padEnd(40)} median ${median(xs).toFixed(2).padStart(8)} ms  min ${Math.min(...xs).toFixed(2).padStart(8)}  wall ${median(walls.get(v)!).toFixed(1).padStart(6)}  [${xs.map((x) => x.toFixed(1)).join(" ")}]`);
}

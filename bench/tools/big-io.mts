// Section 4's readbig and writebig rows in a chosen order, to see what a
// runner's time depends on: which runner ran just before it, and whether a
// base checkout of layerfs (BIG_IO_BASE=/path/to/checkout) differs from this
// one. Every runner is the bench's own (bench/lib/guest.ts); layerfs's runs
// go through the CLI as in `npm run bench`. Not part of `npm run bench`.
//
// usage: node --expose-gc --import tsx bench/tools/big-io.mts
//   BIG_IO_DIR (default /dev/shm/layerfs-big-io), BIG_IO_ROUNDS (9),
//   BIG_IO_WORK: readbig | writebig | writebig-upper | churn-upper | stats (4/stat, 1 layer) (default readbig),
//   BIG_IO_ORDER: the runners of one round, in order (default "layerfs,node,shim"). Names:
//     layerfs (the CLI, as the bench), layerfs-ca (its host upper removed after its run),
//     base (BIG_IO_BASE's CLI), lib / lib-compile (createWasi, the module compiled once / every run),
//     node (node:wasi), shim (browser_wasi_shim), hog (64 MiB written and removed, as the kernel peer's writebig),
//     bare (bench/lib/bare-host.ts: the least a JavaScript host on node:fs does);
//   BIG_IO_ROTATE=1 rotates the order each round, as roundRobin does; BIG_IO_CLEAN_AFTER=1 makes
//   layerfs and base remove their upper after their run; BIG_IO_MARK=1 prints a line at each run's start and end.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { dirLayer } from "../../src/host/node.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { createWasi } from "../../src/wasi/host.ts";
import { File } from "@bjorn3/browser_wasi_shim";
import { BENCH_WASM, benchArgs, benchModule, underCli, underNodeWasi, underShim, writeHog } from "../lib/guest.ts";
import type { GuestResult } from "../lib/guest.ts";
import { underBareHost } from "../lib/bare-host.ts";
import { median } from "../lib/stats.ts";
import { bigBytes, hostTree, removeGuestOutput, removeTree, shimRoot } from "../lib/trees.ts";

const DIR = process.env.BIG_IO_DIR ?? "/dev/shm/layerfs-big-io";
const ROUNDS = Number(process.env.BIG_IO_ROUNDS ?? 9);
const WORK = process.env.BIG_IO_WORK ?? "readbig";
const ORDER = (process.env.BIG_IO_ORDER ?? "layerfs,node,shim").split(",");
const ROTATE = process.env.BIG_IO_ROTATE === "1";
const BASE = process.env.BIG_IO_BASE;
const MiB = 1024 * 1024;

const plain = `${DIR}/plain`;
const upper = `${DIR}/upper`;
const scratch = `${DIR}/scratch`;
const big = bigBytes(256 * MiB);
hostTree(plain, [], big);
mkdirSync(scratch, { recursive: true });
const args = benchArgs(WORK);
if (WORK === "stats") { mkdirSync(`${plain}/d`, { recursive: true }); writeFileSync(`${plain}/d/target`, "the statted file\n"); }
const hostUpper = WORK.endsWith("-upper");
const bigFile = new File(big);

type Runner = () => Promise<GuestResult>;
type CliMain = (argv: string[], rt: unknown) => Promise<number>;

/** The base checkout's CLI, run as bench/lib/guest.ts underCli runs this one's. */
async function baseRunner(): Promise<(cliArgs: string[], a: string[]) => Promise<GuestResult>> {
  const { main } = (await import(`${BASE}/src/cli/main.ts`)) as { main: CliMain };
  const { nodeRuntime } = (await import(`${BASE}/src/cli/runtime-node.ts`)) as { nodeRuntime: () => Record<string, unknown> };
  const decoder = new TextDecoder();
  return async (cliArgs, a) => {
    const out: string[] = [];
    const rt = { ...nodeRuntime(), stderr: () => {}, programStdio: { stdout: (b: Uint8Array) => void out.push(decoder.decode(b)), stderr: () => {} } };
    const code = await main(["run", ...cliArgs, BENCH_WASM, ...a], rt);
    const m = /ms=([\d.]+)/.exec(out.join(""));
    if (code !== 0 || m === null) throw new Error(`base: exit ${code}`);
    return { workload: a[0]!, ms: Number(m[1]), ops: 0 };
  };
}

// BIG_IO_CLEAN_AFTER=1: a host upper is removed right after its run (as node:wasi's out.bin is), not before the next.
const CLEAN_AFTER = process.env.BIG_IO_CLEAN_AFTER === "1";
const cliFlags = () => {
  if (hostUpper && !CLEAN_AFTER) removeTree(upper);
  return hostUpper ? ["--layer", plain, "--upper", upper] : ["--layer", plain];
};
/** A runner that writes into the plain directory (node:wasi, the bare host): its output removed after each run. */
function onPlain(run: Runner): Runner {
  return async () => {
    const r = await run();
    removeGuestOutput(plain);
    return r;
  };
}
const runners: Record<string, Runner> = {
  layerfs: async () => {
    const r = await underCli(cliFlags(), args);
    if (hostUpper && CLEAN_AFTER) removeTree(upper);
    return r;
  },
  // The same, but its upper (its own) is removed right after its run, as node:wasi's out.bin is, not before the next.
  "layerfs-ca": async () => {
    const up = `${upper}-ca`;
    const r = await underCli(hostUpper ? ["--layer", plain, "--upper", up] : ["--layer", plain], args);
    if (hostUpper) removeTree(up);
    return r;
  },
  node: onPlain(() => underNodeWasi(plain, args, scratch)),
  // layerfs through the library (createWasi over the same union the CLI builds), not the CLI,
  // with the module compiled once (as the node:wasi runner's), or (lib-compile) from its bytes every run as the CLI does.
  lib: () => libRun(false),
  "lib-compile": () => libRun(true),
  // Stands in for the kernel peer's runner (node:wasi on overlayfs): writes 64 MiB into tmpfs and removes it after.
  hog: () => writeHog(scratch),
  shim: () => underShim(shimRoot(WORK === "stats" ? ["d/target"] : [], bigFile), args),
  // The floor of a JavaScript host on node:fs (bench/lib/bare-host.ts), on the plain directory as node:wasi.
  bare: onPlain(() => underBareHost(plain, args)),
};

async function libRun(compile: boolean): Promise<GuestResult> {
  const up = `${upper}-lib`;
  if (hostUpper) { removeTree(up); mkdirSync(up); }
  const union = new Union(new Image([dirLayer(plain)]), hostUpper ? dirLayer(up, { writable: true, lock: true }) : new MemoryLayer());
  let out = "";
  const dec = new TextDecoder();
  const wasi = createWasi({ union, args: ["bench.wasm", ...args], stdout: (b: Uint8Array) => void (out += dec.decode(b)), stderr: () => {} });
  const mod = compile ? await WebAssembly.compile(readFileSync(BENCH_WASM)) : await benchModule();
  const inst = await WebAssembly.instantiate(mod, wasi.imports as unknown as WebAssembly.Imports);
  wasi.start(inst as unknown as { exports: Record<string, unknown> });
  union.dispose();
  return { workload: args[0]!, ms: Number(/ms=([\d.]+)/.exec(out)![1]), ops: 0 };
}
if (BASE !== undefined) {
  const run = await baseRunner();
  runners.base = async () => {
    const r = await run(cliFlags(), args);
    if (hostUpper && CLEAN_AFTER) removeTree(upper);
    return r;
  };
}
process.removeAllListeners("warning");
const times = new Map<string, number[]>(ORDER.map((k) => [k, []]));
/** CPU time (user, system; ms) and minor page faults of the whole process per run, setup and instantiation included. */
const cpus = new Map<string, { user: number[]; system: number[]; faults: number[] }>();
for (let r = 0; r <= ROUNDS; r++) {
  for (let j = 0; j < ORDER.length; j++) {
    const name = ORDER[ROTATE ? (r + j) % ORDER.length : j]!;
    if (process.env.BIG_IO_MARK) console.log(`--- ${name} start`);
    const ru0 = process.resourceUsage();
    const res = await runners[name]!();
    const ru = process.resourceUsage();
    if (r > 0) {
      const c = cpus.get(name) ?? cpus.set(name, { user: [], system: [], faults: [] }).get(name)!;
      c.user.push((ru.userCPUTime - ru0.userCPUTime) / 1000);
      c.system.push((ru.systemCPUTime - ru0.systemCPUTime) / 1000);
      c.faults.push(ru.minorPageFault - ru0.minorPageFault);
    }
    if (process.env.BIG_IO_MARK) console.log(`--- ${name} end ${res.ms.toFixed(1)}`);
    if (r > 0) times.get(name)!.push(res.ms);
  }
}
console.log(`${WORK}, ${ROUNDS} rounds of ${ORDER.join(" -> ")}${ROTATE ? " (rotated)" : ""}, ms:`);
for (const [k, v] of times) {
  const c = cpus.get(k)!;
  console.log(`  ${k.padEnd(8)} median ${median(v).toFixed(2)}  [${v.map((x) => x.toFixed(1)).join(" ")}]  process CPU per run: user ${median(c.user).toFixed(1)}, system ${median(c.system).toFixed(1)}, minor faults ${median(c.faults)}`);
}

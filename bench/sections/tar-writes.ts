/**
 * Issue 7 (TarLayer image, the write side of the fsbench-style workloads; the
 * tar section has walk+stat and readbig): small-file churn (bench.wasm churn)
 * and a copy-on-write 4 KiB write into the 256 MiB lower file (probe.wasm
 * `ops append`, timed around the whole run: instantiation included on both
 * sides), over a TarLayer image read by pread with a memory upper, next to
 * node:wasi on the same tree on tmpfs. Target ≤ 0.5× node:wasi.
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { WASI as NodeWasi } from "node:wasi";
import { fileSource } from "../../src/host/node.ts";
import { Image, MemoryLayer, run, TarLayer, Union } from "../../src/mod.ts";
import type { Config } from "../lib/config.ts";
import { underLayerfs, underNodeWasi } from "../lib/guest.ts";
import type { GuestResult } from "../lib/guest.ts";
import { add, header } from "../lib/report.ts";
import { MiB, nowMs } from "../lib/stats.ts";
import { bigBytes, hostTree, removeTree, treeFiles } from "../lib/trees.ts";
import { roundRobin, samples } from "./wasi.ts";

const PROBE = new URL("../../test/cli/fixtures/probe.wasm", import.meta.url).pathname;
const CHUNK = "x".repeat(4096);
/** Untimed runs before the cow write is timed (its open path runs once per guest: V8 compiles it after a few). */
const COW_WARMUP = 5;

export async function tarWrites(cfg: Config): Promise<void> {
  header("Issue 7: WASI writes over a TarLayer image (ratio = time / node:wasi on tmpfs)");
  const root = existsSync("/dev/shm") ? "/dev/shm/layerfs-bench-tarw" : `${cfg.dir}-tarw`;
  const treeDir = `${root}/tree`;
  const tarPath = `${root}/tree.tar`;
  const scratch = `${root}/scratch`;
  mkdirSync(scratch, { recursive: true });
  hostTree(treeDir, treeFiles(cfg.treeFiles), bigBytes(cfg.bigMiB * MiB));
  try {
    const r = spawnSync("tar", ["-cf", tarPath, "-C", treeDir, "."]);
    if (r.status !== 0) throw new Error(`tar -c failed: ${r.stderr}`);
    const layer = new TarLayer(fileSource(tarPath), { name: tarPath });
    const image = new Image([layer]);

    // churn: bench.wasm's own timer (creates, writes, renames, deletes 2,000 small files).
    const nodeChurnDir = `${root}/node-churn`;
    const churn = await roundRobin(new Map<string, () => Promise<GuestResult>>([
      ["layerfs", () => underLayerfs(new Union(image, new MemoryLayer()), ["churn"])],
      ["node", async () => {
        rmSync(nodeChurnDir, { recursive: true, force: true });
        mkdirSync(nodeChurnDir);
        return underNodeWasi(nodeChurnDir, ["churn"], scratch);
      }],
    ]), cfg.runs, 5); // five warm-up rounds: the JIT settles after a few churns
    const ratio = churn.get("layerfs")! / churn.get("node")!;
    add({ id: "7/churn", what: "layerfs over a TarLayer (pread) vs node:wasi (tmpfs): churn 2,000 × 4 KiB", value: churn.get("layerfs")!, unit: "ms", peer: { name: "node:wasi", value: churn.get("node")!, unit: "ms" }, ratio, target: "≤ 0.50× node:wasi", pass: ratio <= 0.5, samples: samples.get("layerfs"), peerSamples: samples.get("node") });

    // cow write: open the big lower file for append and write 4 KiB (copy-up in layerfs).
    const probe = await WebAssembly.compile(readFileSync(PROBE));
    const args = ["probe.wasm", "ops", "append", "/big.bin", CHUNK];
    const quiet = (): void => {};
    // Whole runs, instantiate included, so not bench.wasm's own timer: the runners time themselves.
    const cowRuns = await roundRobin(new Map<string, () => Promise<GuestResult>>([
      ["layerfs", async () => {
        let said = "";
        const union = new Union(image, new MemoryLayer());
        const t = nowMs();
        const code = await run(probe, { union, args, stdout: (b: Uint8Array) => void (said += new TextDecoder().decode(b)), stderr: quiet, stdin: "" });
        const ms = nowMs() - t;
        // ops exits 0 whatever happens: check it said ok and the union grew.
        if (code !== 0 || !said.endsWith(": ok\n") || union.stat("/big.bin").size !== cfg.bigMiB * MiB + CHUNK.length) throw new Error(`probe append under layerfs: exit ${code}, ${said.slice(-80)}`);
        return { workload: "cow", ms, ops: 1 };
      }],
      ["node", async () => {
        const out = openSync(`${scratch}/probe.out`, "w");
        try {
          const wasi = new NodeWasi({ version: "preview1", args, env: {}, preopens: { "/": treeDir }, returnOnExit: true, stdout: out, stderr: out });
          const t = nowMs();
          const instance = await WebAssembly.instantiate(probe, wasi.getImportObject() as WebAssembly.Imports);
          if (wasi.start(instance) !== 0) throw new Error("probe append under node:wasi failed");
          return { workload: "cow", ms: nowMs() - t, ops: 1 };
        } finally {
          closeSync(out);
        }
      }],
    ]), cfg.runs, COW_WARMUP); // its gc() first: the heap earlier sections left was collected in these ~1 ms runs (1.04 ms in a full run, 0.45 ms alone)
    const lay = cowRuns.get("layerfs")!;
    const node = cowRuns.get("node")!;
    const cow = lay / node;
    add({ id: "7/cow", what: `cow 4 KiB append to the ${cfg.bigMiB} MiB lower file (whole run, instantiate included)`, value: lay, unit: "ms", peer: { name: "node:wasi", value: node, unit: "ms" }, ratio: cow, target: "≤ 0.50× node:wasi", pass: cow <= 0.5, samples: samples.get("layerfs"), peerSamples: samples.get("node"), note: "layerfs copies up lazily (the memory upper keeps the lower file as its source); node:wasi writes the tmpfs file in place" });
    layer.close();
  } finally {
    removeTree(treeDir);
    rmSync(root, { recursive: true, force: true });
  }
}

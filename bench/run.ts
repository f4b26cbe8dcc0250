/**
 * `npm run bench`: the performance figures of issues 2, 3, 4, 7 and 10, each next to
 * its peer measured in the same run, its target and PASS/MISS; writes
 * bench/results.json. Sizes: see bench/lib/config.ts (LAYERFS_BENCH_* env vars;
 * LAYERFS_BENCH_SCALE=0.1 for a quick run). Needs node --expose-gc.
 */
import * as os from "node:os";
import { config } from "./lib/config.ts";
import { rows, summary, writeResults } from "./lib/report.ts";
import { hostDirs } from "./sections/host-dirs.ts";
import { unionCore } from "./sections/union-core.ts";
import { serverless } from "./sections/serverless.ts";
import { tarLayers } from "./sections/tar.ts";
import { images } from "./sections/images.ts";
import { imageRun } from "./sections/image-run.ts";
import { tarWrites } from "./sections/tar-writes.ts";
import { wasiWorkloads } from "./sections/wasi.ts";
import { sandboxes } from "./sections/sandbox.ts";

const started = performance.now();
console.log(
  `layerfs bench: node ${process.versions.node}, ${os.cpus().length}× ${os.cpus()[0]?.model ?? "cpu"}, ` +
    `scale ${config.scale}, ${config.runs} timed runs per figure (median), scratch ${config.dir}`,
);
if (config.only.has("union")) await unionCore(config);
if (config.only.has("wasi")) await wasiWorkloads(config);
if (config.only.has("host")) await hostDirs(config);
if (config.only.has("tar")) await tarLayers(config);
if (config.only.has("oci")) await images(config);
if (config.only.has("run")) await imageRun(config);
if (config.only.has("tarw")) await tarWrites(config);
if (config.only.has("serverless")) await serverless(config);
if (config.only.has("sandbox")) sandboxes(config);
const { pass, miss } = summary();
const seconds = (performance.now() - started) / 1000;
console.log(`total ${seconds.toFixed(1)} s`);
writeResults(config.out, {
  date: new Date().toISOString(),
  node: process.versions.node,
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model,
  config: { ...config, only: [...config.only] },
  seconds,
  pass,
  miss,
  count: rows.length,
});

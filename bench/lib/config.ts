/**
 * Benchmark sizes and switches, all overridable by environment variables.
 * Defaults are the full sizes named in issues 2, 3 and 4.
 */
function num(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got '${v}'`);
  return n;
}

/** LAYERFS_BENCH_SCALE multiplies every count and size (0.1 for a quick smoke run). */
const scale = num("LAYERFS_BENCH_SCALE", 1);
const scaled = (name: string, full: number, min = 1): number => Math.max(min, Math.round(num(name, full * scale)));

export const config = {
  scale,
  /** Sections to run (comma list of union, wasi, host, tar, oci, run, tarw, serverless, sandbox). */
  only: new Set((process.env.LAYERFS_BENCH_ONLY ?? "union,wasi,host,tar,oci,run,tarw,serverless,sandbox").split(",").map((s) => s.trim())),
  /** Timed runs per figure (the median is reported), after untimed warm-up runs. */
  runs: Math.round(num("LAYERFS_BENCH_RUNS", 9)),
  /** Timed runs of the 256 MiB workloads. */
  bigRuns: Math.round(num("LAYERFS_BENCH_BIG_RUNS", 5)),
  /** 1a: unions created, and files in the image they share. */
  unions: scaled("LAYERFS_BENCH_UNIONS", 10_000),
  imageFiles: scaled("LAYERFS_BENCH_IMAGE_FILES", 10_000),
  /** 1b: stat calls per timed run. */
  statIterations: scaled("LAYERFS_BENCH_STAT_ITERS", 200_000),
  /** 1c, 2: the big lower file (MiB). */
  bigMiB: scaled("LAYERFS_BENCH_BIG_MIB", 256),
  /** 2, 3: files in the walked tree. */
  treeFiles: scaled("LAYERFS_BENCH_TREE_FILES", 10_000, 100),
  /** 2: bytes written by writebig (MiB). */
  writeMiB: scaled("LAYERFS_BENCH_WRITE_MIB", 256),
  /**
   * 2: writebig size under browser_wasi_shim. Its write path reallocates the whole
   * file on every write (quadratic: ~11 s for 32 MiB, ~45 s for 64 MiB here).
   */
  shimWriteMiB: scaled("LAYERFS_BENCH_SHIM_WRITE_MIB", 32),
  /** Issue 7: the layer tar indexed (MiB) and its file count. */
  tarMiB: scaled("LAYERFS_BENCH_TAR_MIB", 1024),
  tarFiles: scaled("LAYERFS_BENCH_TAR_FILES", 20_000, 10),
  /** Timed index runs of that tar. */
  tarRuns: Math.round(num("LAYERFS_BENCH_TAR_RUNS", 5)),
  /** Issue 7 (images): uncompressed size of the image's gzip layer (MiB), and cold-load runs. */
  imageMiB: scaled("LAYERFS_BENCH_IMAGE_MIB", 512),
  imageRuns: Math.round(num("LAYERFS_BENCH_IMAGE_RUNS", 5)),
  /** Issue 7 (run --image): uncompressed size of the image whose time to first instruction is measured (MiB). */
  runImageMiB: scaled("LAYERFS_BENCH_RUN_IMAGE_MIB", 500),
  /** Layers of the deep image (issue 3) and the layer counts of the stat benchmark (issue 2). */
  deepLayers: Math.round(num("LAYERFS_BENCH_DEEP_LAYERS", 16)),
  /** Issue 10: the image shared by workers (MiB), the serverless image's extra files, load-test requests. */
  shareMiB: scaled("LAYERFS_BENCH_SHARE_MIB", 256),
  serverlessFiles: scaled("LAYERFS_BENCH_SERVERLESS_FILES", 1000, 0),
  serverlessRequests: scaled("LAYERFS_BENCH_SERVERLESS_REQUESTS", 1000, 50),
  /** Issue 10: changed files in the upper that fork()/reset() freeze or drop, live sandboxes, their image (MiB). */
  sandboxFiles: scaled("LAYERFS_BENCH_SANDBOX_FILES", 10_000, 100),
  sandboxes: scaled("LAYERFS_BENCH_SANDBOXES", 10_000, 10),
  sandboxImageMiB: scaled("LAYERFS_BENCH_SANDBOX_IMAGE_MIB", 100),
  /** Scratch directory for host trees (tmpfs by default). */
  dir: process.env.LAYERFS_BENCH_DIR ?? "/dev/shm/layerfs-bench",
  /** Kernel overlayfs copy-up peer (needs root and overlay mounts); LAYERFS_BENCH_KERNEL=0 skips it. */
  kernel: process.env.LAYERFS_BENCH_KERNEL !== "0",
  /** Where the JSON results go. */
  out: process.env.LAYERFS_BENCH_OUT ?? new URL("../results.json", import.meta.url).pathname,
};

export type Config = typeof config;

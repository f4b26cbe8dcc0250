/**
 * Issue 10 (serverless): memory and throughput of one image shared by workers.
 *  10/rss  process RSS growth per added worker (1 -> 2 workers, each having
 *          mounted and read the whole LAYERFS_BENCH_SHARE_MIB image, a TarLayer
 *          over an in-memory tar): shareImage vs each worker holding its own copy.
 *  10/http examples/serverless on a trivial handler (`hello`): requests/s and
 *          p99 over loopback, next to the same server and pool isolating each
 *          request with a fresh browser_wasi_shim tree, and with node:wasi over
 *          a fresh copy of a directory (bench/serverless/peer-worker.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MemoryLayer, Union } from "../../src/mod.ts";
import { demoImage } from "../../examples/serverless/image.ts";
import { formatLoad, load } from "../../examples/serverless/load.ts";
import type { LoadResult } from "../../examples/serverless/load.ts";
import { runPath } from "../../examples/serverless/launch.ts";
import { startServer } from "../../examples/serverless/server.ts";
import type { Config } from "../lib/config.ts";
import { add, header } from "../lib/report.ts";
import { MiB } from "../lib/stats.ts";
import type { PeerExtra } from "../serverless/peer-worker.ts";

function rssRun(mode: "shared" | "copy", mib: number): { imageBytes: number; rss1: number; rss2: number } {
  const script = fileURLToPath(new URL("../serverless/rss.ts", import.meta.url));
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", script, mode], {
    env: { ...process.env, LAYERFS_BENCH_SHARE_MIB: String(mib) },
    encoding: "utf8",
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`bench/serverless/rss.ts ${mode} failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

/** Every regular file of the example's image, merged (what the peers' trees hold). */
function imageFiles(files: number): Record<string, Uint8Array> {
  const union = new Union(demoImage({ files }), new MemoryLayer());
  const out: Record<string, Uint8Array> = {};
  const stack = ["/"];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const name of union.readdir(dir)) {
      const p = dir === "/" ? `/${name}` : `${dir}/${name}`;
      if (union.lstat(p).type === "dir") stack.push(p);
      else out[p.slice(1)] = union.readFile(p);
    }
  }
  return out;
}

async function serve(name: string, files: number, requests: number, concurrency: number, worker?: { url: URL; extra: PeerExtra }): Promise<LoadResult> {
  const s = await startServer({ port: 0, timeoutMs: 30_000, quota: { bytes: 1 << 20, inodes: 64 }, bulkBytes: 0, files, ...(worker !== undefined ? { worker } : {}) });
  try {
    const path = runPath(["hello"]);
    const ok = (status: number, body: string): boolean => status === 200 && body === "hello from layerfs\n";
    await load(s.url, path, Math.min(100, requests), concurrency, ok); // warm-up
    const r = await load(s.url, path, requests, concurrency, ok);
    console.log("  " + formatLoad(name, r));
    if (r.failures > 0) throw new Error(`${name}: ${r.failures} wrong answers`);
    return r;
  } finally {
    await s.close();
  }
}

export async function serverless(cfg: Config): Promise<void> {
  header("10 serverless: one image across workers (RSS), request-per-sandbox server (throughput)");
  const mib = cfg.shareMiB;
  const shared = rssRun("shared", mib);
  const copy = rssRun("copy", mib);
  const growth = shared.rss2 - shared.rss1;
  const copyGrowth = copy.rss2 - copy.rss1;
  add({
    id: "10/rss",
    what: `RSS growth for a 2nd worker over a ${mib} MiB image (shareImage)`,
    value: growth / MiB,
    unit: "MiB",
    peer: { name: "own copy per worker", value: copyGrowth / MiB, unit: "MiB" },
    ratio: growth / shared.imageBytes,
    target: "≤ 0.10× the image per worker",
    pass: growth <= 0.1 * shared.imageBytes,
    note: `RSS 1 worker ${(shared.rss1 / MiB).toFixed(0)} MiB, 2 workers ${(shared.rss2 / MiB).toFixed(0)} MiB; ratio = growth / image`,
  });

  const files = cfg.serverlessFiles;
  const requests = cfg.serverlessRequests;
  const concurrency = 8;
  const scratch = join(cfg.dir, "serverless");
  rmSync(scratch, { recursive: true, force: true });
  const template = join(scratch, "template");
  for (const [p, bytes] of Object.entries(imageFiles(files))) {
    mkdirSync(dirname(join(template, p)), { recursive: true });
    writeFileSync(join(template, p), bytes);
  }
  const peerUrl = new URL("../serverless/peer-worker.ts", import.meta.url);
  try {
    const lfs = await serve("layerfs (fresh union per request)", files, requests, concurrency);
    const shim = await serve("browser_wasi_shim (fresh tree per request)", files, requests, concurrency, { url: peerUrl, extra: { mode: "shim", files: imageFiles(files) } });
    const nodeWasi = await serve("node:wasi (fresh directory copy per request)", files, requests, concurrency, { url: peerUrl, extra: { mode: "node-wasi", template, scratch } });
    const what = `hello handler, ${files + 5}-file image, ${requests} requests, concurrency ${concurrency}`;
    for (const [peerName, peer] of [["browser_wasi_shim tree", shim], ["node:wasi dir copy", nodeWasi]] as const) {
      add({ id: "10/http", what: `requests/s, ${what}`, value: lfs.perSecond, unit: "req/s", peer: { name: peerName, value: peer.perSecond, unit: "req/s" }, ratio: lfs.perSecond / peer.perSecond });
      add({ id: "10/p99", what: `p99 latency, ${what}`, value: lfs.p99, unit: "ms", peer: { name: peerName, value: peer.p99, unit: "ms" }, ratio: lfs.p99 / peer.p99 });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

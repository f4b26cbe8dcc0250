/**
 * Load test of the serverless example: starts the server (or uses
 * LAYERFS_SERVERLESS_URL), sends a bounded number of requests over loopback
 * with a fixed concurrency, checks every answer and prints requests/s and
 * p50/p99 latency.
 *
 *   npm run example:serverless:load
 *   LAYERFS_LOAD_REQUESTS=2000 LAYERFS_LOAD_CONCURRENCY=16 LAYERFS_LOAD_ARGS=hello npm run example:serverless:load
 */
import { get, launchServer, runPath } from "./launch.ts";

export interface LoadResult {
  requests: number;
  concurrency: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  failures: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Requests and concurrency a load run accepts (a load test, not a flood). */
export const MAX_REQUESTS = 1_000_000;
export const MAX_CONCURRENCY = 256;

/** The load test only ever talks to this machine. */
export function checkLoopback(url: string): void {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new Error(`load: not a URL: ${JSON.stringify(url)}`);
  }
  if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(host)) throw new Error(`load: refusing a non-loopback URL ${url} (loopback only: 127.x.x.x, localhost, [::1])`);
}

/** Fire `requests` GETs of `path` at `url`, `concurrency` at a time; `check` says whether an answer is right. */
export async function load(url: string, path: string, requests: number, concurrency: number, check: (status: number, body: string) => boolean): Promise<LoadResult> {
  checkLoopback(url);
  for (const [name, v, max] of [["requests", requests, MAX_REQUESTS], ["concurrency", concurrency, MAX_CONCURRENCY]] as const) {
    if (!Number.isSafeInteger(v) || v < 1 || v > max) throw new RangeError(`load: ${name} must be an integer from 1 to ${max}, got ${v}`);
  }
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const start = performance.now();
  const lane = async (): Promise<void> => {
    while (next < requests) {
      next++;
      const t = performance.now();
      const r = await get(url, path).catch(() => ({ status: 0, body: "" }));
      latencies.push(performance.now() - t);
      if (!check(r.status, r.body)) failures++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, lane));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests, concurrency, seconds, perSecond: requests / seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), failures };
}

export function formatLoad(name: string, r: LoadResult): string {
  return `${name}: ${r.requests} requests, concurrency ${r.concurrency}: ${r.perSecond.toFixed(0)} requests/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.failures} failed`;
}

function intEnv(name: string, dflt: number, max: number): number {
  const v = process.env[name];
  const n = v === undefined || v === "" ? dflt : /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new Error(`${name}: expected an integer from 1 to ${max}, got "${v}"`);
  return n;
}

const isMain = process.argv[1] !== undefined && import.meta.url === (await import("node:url")).pathToFileURL(process.argv[1]).href;
if (isMain) {
  try {
    const requests = intEnv("LAYERFS_LOAD_REQUESTS", 1000, MAX_REQUESTS);
    const concurrency = intEnv("LAYERFS_LOAD_CONCURRENCY", 8, MAX_CONCURRENCY);
    const args = (process.env.LAYERFS_LOAD_ARGS ?? "hello").split(",");
    const given = process.env.LAYERFS_SERVERLESS_URL;
    if (given !== undefined) checkLoopback(given);
    const server = given === undefined ? await launchServer({}) : undefined;
    const url = given ?? server!.url;
    try {
      const probe = await get(url, runPath(args)).catch((e: unknown) => {
        throw new Error(`cannot reach ${url}: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`);
      });
      console.log(`${url}${runPath(args)} -> ${probe.status} ${JSON.stringify(probe.body.slice(0, 60))}`);
      const r = await load(url, runPath(args), requests, concurrency, (s, b) => s === probe.status && b === probe.body);
      console.log(formatLoad("layerfs serverless", r));
      if (r.failures > 0) process.exitCode = 1;
    } finally {
      await server?.stop();
    }
  } catch (e) {
    console.error(`layerfs serverless load: ${(e instanceof Error ? e.message : String(e)).replace(/^load: /, "")}`);
    process.exitCode = 2;
  }
}

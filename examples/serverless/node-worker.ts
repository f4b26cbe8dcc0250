/**
 * The Node side of the pool: worker_threads (booted through worker-boot.mjs so
 * the worker runs TypeScript through tsx) and the core count. Kept out of
 * pool.ts so that what a browser or Deno loads holds no node: import.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { PoolWorker, SpawnWorker } from "./pool.ts";

export const nodeCores = (): number => availableParallelism();

export const spawnNodeWorker: SpawnWorker = (entry, onReply, onError): PoolWorker => {
  const boot = new URL("./worker-boot.mjs", import.meta.url);
  const w = new Worker(boot, entry !== undefined ? { workerData: { entry: entry.href } } : {});
  w.on("message", onReply);
  w.on("error", onError);
  return { post: (m) => w.postMessage(m), terminate: async () => void (await w.terminate()) };
};

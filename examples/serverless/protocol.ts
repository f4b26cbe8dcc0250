/** Messages between the serverless pool (main thread) and its sandbox workers. */
import type { Change, SharedImage } from "../../src/mod.ts";

/** Main -> worker, once: the shared image and the compiled handler. */
export interface InitMessage {
  type: "init";
  image: SharedImage;
  module: WebAssembly.Module;
  /** Whatever a custom worker (PoolOptions.worker) needs besides (the benchmark's peers). */
  extra?: unknown;
}

/** Main -> worker, per request. */
export interface RunMessage {
  type: "run";
  id: number;
  args: string[];
  stdin?: string;
  quota?: { bytes?: number; inodes?: number };
  changes?: boolean;
  /** Bytes of stdout+stderr kept (the rest is dropped and the reply says `truncated`). */
  maxOutput?: number;
}

/** Worker -> main. */
export type WorkerReply =
  | { type: "ready"; quotas: boolean }
  | { type: "done"; id: number; exitCode: number; stdout: string; truncated: boolean; changes?: Change[]; usage?: { bytes: number; inodes: number } }
  | { type: "failed"; id: number; error: string };

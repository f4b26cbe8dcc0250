/**
 * A pool of sandbox workers over one shared image: one request per worker at
 * a time, a queue for the rest, a time limit per request (a guest past it is
 * stopped by terminating its worker, which is then replaced).
 * Node: worker_threads; Deno and browsers: Web Workers.
 */
import type { Change, SharedImage } from "../../src/mod.ts";
import type { InitMessage, RunMessage, WorkerReply } from "./protocol.ts";

/** What the pool needs of a worker, whatever the runtime. */
export interface PoolWorker {
  post(m: InitMessage | RunMessage): void;
  /** Stop it; settles once it is gone (Node's terminate is asynchronous). */
  terminate(): Promise<void>;
}

/** Start a worker running `entry` (default ./worker.ts). */
export type SpawnWorker = (entry: URL | undefined, onReply: (m: WorkerReply) => void, onError: (e: Error) => void) => PoolWorker;

export interface RunRequest {
  args: string[];
  stdin?: string;
  quota?: { bytes?: number; inodes?: number };
  changes?: boolean;
  /** Time limit in ms (default: the pool's). */
  timeoutMs?: number;
  /** Bytes of stdout+stderr kept (default: all). */
  maxOutput?: number;
}

export type RunResult =
  | { status: "done"; exitCode: number; stdout: string; truncated: boolean; changes?: Change[]; usage?: { bytes: number; inodes: number }; ms: number; worker: number }
  | { status: "timeout"; ms: number }
  | { status: "busy"; ms: number }
  | { status: "failed"; error: string; ms: number };

export interface PoolOptions {
  image: SharedImage;
  module: WebAssembly.Module;
  /** Workers (default: the number of cores). */
  size?: number;
  /** Default time limit per request, ms (default 5000). */
  timeoutMs?: number;
  /** Requests that may wait for a worker; past that `run` answers "busy" at once (default 1000). */
  maxQueue?: number;
  /** Another worker module speaking protocol.ts (default ./worker.ts), and what its init message carries. */
  worker?: { url: URL; extra?: unknown };
}

const isNode = (): boolean => {
  const g = globalThis as { Deno?: unknown; window?: unknown; process?: { versions?: { node?: string } } };
  return g.Deno === undefined && g.window === undefined && typeof g.process?.versions?.node === "string";
};

// A specifier chosen at run time (and hidden from vite), so bundlers and
// browsers never follow it into node:os / node:worker_threads.
const NODE_WORKER = "./node-worker.ts";
const nodeSide = (): Promise<typeof import("./node-worker.ts")> => import(/* @vite-ignore */ NODE_WORKER);

/** Cores: os.availableParallelism in Node, navigator.hardwareConcurrency in Deno and browsers. */
export async function cores(): Promise<number> {
  if (isNode()) return (await nodeSide()).nodeCores();
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/** Deno and browsers: a module Web Worker. */
const spawnWebWorker: SpawnWorker = (entry, onReply, onError) => {
  const w = entry !== undefined ? new Worker(entry, { type: "module" }) : new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  w.onmessage = (e: MessageEvent<WorkerReply>) => onReply(e.data);
  w.onerror = (e) => {
    e.preventDefault();
    onError(new Error(e.message));
  };
  return { post: (m) => w.postMessage(m), terminate: async () => w.terminate() };
};

async function spawn(entry: URL | undefined, onReply: (m: WorkerReply) => void, onError: (e: Error) => void): Promise<PoolWorker> {
  const make = isNode() ? (await nodeSide()).spawnNodeWorker : spawnWebWorker;
  return make(entry, onReply, onError);
}

interface Job {
  req: RunRequest;
  resolve: (r: RunResult) => void;
  start: number;
}

interface Slot {
  worker: PoolWorker;
  /** Which worker this is (1, 2, ... in start order; replacements get new numbers). */
  n: number;
  job?: Job & { id: number; timer: ReturnType<typeof setTimeout> };
}

export class Pool {
  readonly size: number;
  /** Whether the workers' Union enforces quotas (known once started). */
  quotas = false;
  /** Workers replaced after a time limit or a crash. */
  replaced = 0;
  readonly #opts: PoolOptions;
  readonly #timeoutMs: number;
  readonly #idle: Slot[] = [];
  readonly #queue: Job[] = [];
  readonly #slots = new Set<Slot>();
  #nextId = 1;
  #nextWorker = 1;
  #closed = false;

  private constructor(opts: PoolOptions, size: number) {
    this.#opts = opts;
    this.size = size;
    this.#timeoutMs = opts.timeoutMs ?? 5000;
  }

  /** Start `size` workers and wait until each has mounted the image. */
  static async start(opts: PoolOptions): Promise<Pool> {
    const size = opts.size ?? (await cores());
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`Pool: size must be a positive integer, got ${size}`);
    const t = opts.timeoutMs;
    if (t !== undefined && !(Number.isSafeInteger(t) && t >= 1)) throw new RangeError(`Pool: timeoutMs must be a positive integer (ms), got ${t}`);
    if (!(opts.module instanceof WebAssembly.Module)) throw new TypeError("Pool: module must be a compiled WebAssembly.Module");
    const pool = new Pool(opts, size);
    try {
      await Promise.all(Array.from({ length: size }, () => pool.#addWorker()));
    } catch (e) {
      await pool.close(); // the workers that did start
      throw new Error(`Pool: a worker failed to start: ${e instanceof Error ? e.message : String(e)}`);
    }
    return pool;
  }

  /** Run one request in a fresh sandbox (queued while every worker is busy). */
  run(req: RunRequest): Promise<RunResult> {
    if (this.#closed) return Promise.resolve({ status: "failed", error: "pool closed", ms: 0 });
    if (this.#idle.length === 0 && this.#queue.length >= (this.#opts.maxQueue ?? 1000)) return Promise.resolve({ status: "busy", ms: 0 });
    return new Promise((resolve) => {
      this.#queue.push({ req, resolve, start: performance.now() });
      this.#pump();
    });
  }

  /** Requests waiting for a worker. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Stop every worker (running and queued requests get "pool closed"); settles once all are gone. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const s of this.#slots) {
      this.#stop(s.worker);
      if (s.job !== undefined) clearTimeout(s.job.timer);
      s.job?.resolve({ status: "failed", error: "pool closed", ms: performance.now() - s.job.start });
    }
    for (const j of this.#queue.splice(0)) j.resolve({ status: "failed", error: "pool closed", ms: 0 });
    this.#slots.clear();
    this.#idle.length = 0;
    await Promise.all(this.#stopping);
  }

  readonly #stopping = new Set<Promise<void>>();

  #stop(w: PoolWorker): void {
    const done = w.terminate().catch(() => {}).finally(() => this.#stopping.delete(done));
    this.#stopping.add(done);
  }

  #addWorker(): Promise<void> {
    return new Promise((ready, failed) => {
      const slot = { n: this.#nextWorker++ } as Slot;
      let started = false;
      spawn(
        this.#opts.worker?.url,
        (m) => {
          if (m.type === "ready") {
            started = true;
            this.quotas = m.quotas;
            this.#idle.push(slot);
            ready();
            this.#pump();
            return;
          }
          const job = slot.job;
          if (job === undefined || job.id !== m.id) return;
          clearTimeout(job.timer);
          slot.job = undefined;
          const ms = performance.now() - job.start;
          if (m.type === "done") {
            const r: RunResult = { status: "done", exitCode: m.exitCode, stdout: m.stdout, truncated: m.truncated, ms, worker: slot.n };
            if (m.changes !== undefined) r.changes = m.changes;
            if (m.usage !== undefined) r.usage = m.usage;
            job.resolve(r);
          } else job.resolve({ status: "failed", error: m.error, ms });
          this.#idle.push(slot);
          this.#pump();
        },
        (e) => {
          if (!started) return failed(e);
          this.#retire(slot, { status: "failed", error: `worker crashed: ${e.message}` });
        },
      ).then((w) => {
        slot.worker = w;
        this.#slots.add(slot);
        const init: InitMessage = { type: "init", image: this.#opts.image, module: this.#opts.module };
        if (this.#opts.worker?.extra !== undefined) init.extra = this.#opts.worker.extra;
        w.post(init);
      }, failed);
    });
  }

  /** Stop a worker (its job gets `result`) and start a replacement. */
  #retire(slot: Slot, result: { status: "timeout" } | { status: "failed"; error: string }): void {
    if (!this.#slots.delete(slot)) return;
    this.#stop(slot.worker);
    const job = slot.job;
    slot.job = undefined;
    const i = this.#idle.indexOf(slot);
    if (i >= 0) this.#idle.splice(i, 1);
    if (job !== undefined) {
      clearTimeout(job.timer);
      job.resolve({ ...result, ms: performance.now() - job.start });
    }
    if (this.#closed) return;
    this.replaced++;
    this.#addWorker().catch(() => {});
  }

  #pump(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const slot = this.#idle.pop()!;
      const job = this.#queue.shift()!;
      const id = this.#nextId++;
      const timer = setTimeout(() => this.#retire(slot, { status: "timeout" }), job.req.timeoutMs ?? this.#timeoutMs);
      slot.job = { ...job, id, timer };
      const msg: RunMessage = { type: "run", id, args: job.req.args };
      if (job.req.stdin !== undefined) msg.stdin = job.req.stdin;
      if (job.req.quota !== undefined) msg.quota = job.req.quota;
      if (job.req.changes) msg.changes = true;
      if (job.req.maxOutput !== undefined) msg.maxOutput = job.req.maxOutput;
      slot.worker.post(msg);
    }
  }
}

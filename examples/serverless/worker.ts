/**
 * A sandbox worker: mounts the shared image once, then runs one handler per
 * request, each in a fresh Union with its own MemoryLayer upper (and quota).
 * One request at a time: a guest runs synchronously on this thread, which is
 * what lets the pool stop a runaway guest by terminating the whole worker.
 */
import { imageFromShared, MemoryLayer, run, Union } from "../../src/mod.ts";
import type { Image } from "../../src/mod.ts";
import type { InitMessage, RunMessage, WorkerReply } from "./protocol.ts";

type Port = { post(m: WorkerReply): void; listen(f: (m: InitMessage | RunMessage) => void): void };

const NODE_THREADS = "node:worker_threads";

async function port(): Promise<Port> {
  const g = globalThis as { Deno?: unknown; process?: { versions?: { node?: string } } };
  if (g.Deno === undefined && g.process?.versions?.node !== undefined && typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === "undefined") {
    // Hidden from vite: the browser build of this worker never follows it.
    const { parentPort } = (await import(/* @vite-ignore */ NODE_THREADS)) as typeof import("node:worker_threads");
    return { post: (m) => parentPort!.postMessage(m), listen: (f) => parentPort!.on("message", f) };
  }
  const self = globalThis as unknown as { postMessage(m: unknown): void; onmessage: ((e: MessageEvent) => void) | null };
  return { post: (m) => self.postMessage(m), listen: (f) => (self.onmessage = (e) => f(e.data)) };
}

let image: Image | undefined;
let module: WebAssembly.Module | undefined;
/** Whether this Union takes `{ quota }` and reports `usage()` (they arrive with Union quotas); probed once. */
let quotas = false;

type Usage = { bytes: number; inodes: number };
type QuotaUnion = Union & { usage(): Usage };

function supportsQuotas(img: Image): boolean {
  try {
    const u = new Union(img, new MemoryLayer(), { quota: { bytes: 1 } } as ConstructorParameters<typeof Union>[2]);
    const ok = typeof (u as Partial<QuotaUnion>).usage === "function";
    u.close();
    return ok;
  } catch {
    return false; // EINVAL: unknown option 'quota'
  }
}

const decoder = new TextDecoder();

async function handle(m: RunMessage): Promise<WorkerReply> {
  const opts = quotas && m.quota !== undefined ? { quota: m.quota } : {};
  const union = new Union(image!, new MemoryLayer(), opts as ConstructorParameters<typeof Union>[2]);
  try {
    const out: Uint8Array[] = [];
    let room = m.maxOutput ?? Infinity;
    let truncated = false;
    const keep = (b: Uint8Array): void => {
      if (b.length > room) truncated = true;
      if (room > 0) out.push(b.slice(0, Math.min(b.length, room)));
      room -= Math.min(b.length, room);
    };
    const exitCode = await run(module!, { union, args: ["handler", ...m.args], stdin: m.stdin ?? "", stdout: keep, stderr: keep });
    let stdout = "";
    for (const b of out) stdout += decoder.decode(b, { stream: true });
    stdout += decoder.decode();
    const reply: WorkerReply = { type: "done", id: m.id, exitCode, stdout, truncated };
    if (m.changes) reply.changes = union.changes();
    if (quotas) reply.usage = (union as QuotaUnion).usage();
    return reply;
  } finally {
    // The request is answered: its memory upper's chunks go to the chunk pool, so the
    // next request's writes land in memory this worker already touched.
    union.dispose();
  }
}

const p = await port();
p.listen((m) => {
  if (m.type === "init") {
    image = imageFromShared(m.image);
    module = m.module;
    quotas = supportsQuotas(image);
    p.post({ type: "ready", quotas });
    return;
  }
  handle(m).then(p.post, (e: unknown) => p.post({ type: "failed", id: m.id, error: e instanceof Error ? e.message : String(e) }));
});

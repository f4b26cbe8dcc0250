/**
 * layerfs serverless example: an HTTP server that runs one wasm handler per
 * request in a fresh sandbox (a Union with its own upper, quota and time
 * limit) over one image shared by a pool of workers (one per core).
 *
 *   npm run example:serverless            # Node (node:http)
 *   deno run -A examples/serverless/server.ts   # Deno (Deno.serve)
 *
 *   GET /run?a=OP&a=ARG...   handler argv (see handler.c); the body is its stdout
 *       &stdin=TEXT          the handler's stdin
 *       &changes=1           JSON { exitCode, stdout, truncated, changes, usage } instead
 *   GET /health              pool size, quota support, workers replaced
 *
 * Environment: PORT (default 8787; 0 picks a free one), LAYERFS_SERVERLESS_WORKERS
 * (default: cores), LAYERFS_SERVERLESS_TIMEOUT_MS (2000), LAYERFS_SERVERLESS_QUOTA_BYTES
 * (1 MiB), LAYERFS_SERVERLESS_QUOTA_INODES (64), LAYERFS_SERVERLESS_MAX_OUTPUT (1 MiB
 * of stdout+stderr kept per request), LAYERFS_SERVERLESS_TAR,
 * LAYERFS_SERVERLESS_BULK_MIB, LAYERFS_SERVERLESS_FILES (see image.ts). Binds 127.0.0.1 only.
 */
import { shareImage } from "../../src/mod.ts";
import { demoImage } from "./image.ts";
import { Pool } from "./pool.ts";
import type { RunRequest, RunResult } from "./pool.ts";

type Env = (name: string) => string | undefined;
const Deno_ = (globalThis as { Deno?: { env: { get(n: string): string | undefined }; readFile(p: URL | string): Promise<Uint8Array> } }).Deno;
const env: Env = Deno_ !== undefined ? (n) => Deno_.env.get(n) : (n) => (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env[n];

/** A misconfiguration: printed as one line, exit status 2. */
export class ConfigError extends Error {}

function intEnv(name: string, dflt: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = env(name);
  if (v === undefined || v === "") return dflt;
  const n = /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}: expected an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? "2^53-1" : max}, got "${v}"`);
  }
  return n;
}

async function readBytes(path: string | URL): Promise<Uint8Array> {
  if (Deno_ !== undefined) return await Deno_.readFile(path);
  const fs = await import("node:fs/promises");
  const b = await fs.readFile(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export interface ServerConfig {
  port: number;
  workers?: number;
  timeoutMs: number;
  quota: { bytes: number; inodes: number };
  tarPath?: string;
  bulkBytes: number;
  /** Extra 1 KiB files in the image (/srv/lib/fN). */
  files?: number;
  /** Bytes of stdout+stderr kept per request (the rest is dropped, `truncated`); default 1 MiB. */
  maxOutput?: number;
  /** A custom worker for the pool (the benchmark's peers). */
  worker?: { url: URL; extra?: unknown };
}

export function configFromEnv(): ServerConfig {
  const workers = intEnv("LAYERFS_SERVERLESS_WORKERS", 0, 0, 256);
  const cfg: ServerConfig = {
    port: intEnv("PORT", 8787, 0, 65535),
    timeoutMs: intEnv("LAYERFS_SERVERLESS_TIMEOUT_MS", 2000, 1, 3_600_000),
    quota: { bytes: intEnv("LAYERFS_SERVERLESS_QUOTA_BYTES", 1 << 20), inodes: intEnv("LAYERFS_SERVERLESS_QUOTA_INODES", 64) },
    maxOutput: intEnv("LAYERFS_SERVERLESS_MAX_OUTPUT", 1 << 20, 0, 1 << 30),
    bulkBytes: intEnv("LAYERFS_SERVERLESS_BULK_MIB", 0, 0, 4096) * 1024 * 1024,
    files: intEnv("LAYERFS_SERVERLESS_FILES", 0, 0, 1_000_000),
  };
  if (workers > 0) cfg.workers = workers;
  const tar = env("LAYERFS_SERVERLESS_TAR");
  if (tar) cfg.tarPath = tar;
  return cfg;
}

/** Turn a request URL into a pool request, or a 400 message. */
export function parseRequest(url: URL, cfg: ServerConfig): RunRequest | string {
  const args = url.searchParams.getAll("a");
  if (args.length === 0) return "no handler arguments: use /run?a=hello (see examples/serverless/handler.c)";
  if (args.length > 64 || args.some((a) => a.length > 4096)) return "too many or too long arguments (at most 64 of 4096 bytes)";
  const req: RunRequest = { args, quota: cfg.quota, timeoutMs: cfg.timeoutMs, maxOutput: cfg.maxOutput ?? 1 << 20 };
  const stdin = url.searchParams.get("stdin");
  if (stdin !== null) req.stdin = stdin;
  const unknown = [...new Set(url.searchParams.keys())].filter((k) => !["a", "stdin", "changes"].includes(k));
  if (unknown.length > 0) return `unknown query parameter ${unknown.map((k) => JSON.stringify(k)).join(", ")} (known: a, stdin, changes=1)`;
  if (url.searchParams.get("changes") === "1") req.changes = true;
  return req;
}

/** The HTTP answer to a pool result: status, content type, body. */
interface Answer {
  status: number;
  type: string;
  body: string;
  exitCode?: number;
  truncated?: boolean;
}

export function respond(r: RunResult, json: boolean): Answer {
  if (r.status === "timeout") return { status: 504, type: "text/plain", body: `handler stopped: time limit exceeded (${Math.round(r.ms)} ms)\n` };
  if (r.status === "busy") return { status: 503, type: "text/plain", body: "busy: every worker is taken and the queue is full; retry later\n" };
  if (r.status === "failed") return { status: 500, type: "text/plain", body: `handler failed: ${r.error}\n` };
  const common = { exitCode: r.exitCode, truncated: r.truncated };
  if (json) {
    const body = JSON.stringify({ exitCode: r.exitCode, stdout: r.stdout, truncated: r.truncated, changes: r.changes ?? [], usage: r.usage ?? null }) + "\n";
    return { status: 200, type: "application/json", body, ...common };
  }
  return { status: 200, type: "text/plain; charset=utf-8", body: r.stdout, ...common };
}

export interface Running {
  url: string;
  pool: Pool;
  close(): Promise<void>;
}

export async function startServer(cfg: ServerConfig): Promise<Running> {
  const tar = cfg.tarPath !== undefined ? await readBytes(cfg.tarPath).catch((e: unknown) => {
    throw new ConfigError(`LAYERFS_SERVERLESS_TAR: cannot read ${cfg.tarPath}: ${e instanceof Error ? e.message : String(e)}`);
  }) : undefined;
  const image = demoImage({ ...(tar !== undefined ? { tar } : {}), bulkBytes: cfg.bulkBytes, files: cfg.files ?? 0 });
  const module = await WebAssembly.compile((await readBytes(new URL("./handler.wasm", import.meta.url))) as Uint8Array<ArrayBuffer>);
  const pool = await Pool.start({ image: shareImage(image), module, ...(cfg.workers !== undefined ? { size: cfg.workers } : {}), timeoutMs: cfg.timeoutMs, ...(cfg.worker !== undefined ? { worker: cfg.worker } : {}) });

  const handle = async (url: URL): Promise<Answer> => {
    if (url.pathname === "/health") {
      return { status: 200, type: "application/json", body: JSON.stringify({ workers: pool.size, quotas: pool.quotas, replaced: pool.replaced, queued: pool.queued }) + "\n" };
    }
    if (url.pathname !== "/run") return { status: 404, type: "text/plain", body: "not found: use /run?a=hello or /health\n" };
    const req = parseRequest(url, cfg);
    if (typeof req === "string") return { status: 400, type: "text/plain", body: req + "\n" };
    return respond(await pool.run(req), req.changes === true);
  };
  const headersOf = (r: Answer): Record<string, string> => ({
    "content-type": r.type,
    ...(r.exitCode !== undefined ? { "x-exit-code": String(r.exitCode) } : {}),
    ...(r.truncated ? { "x-output-truncated": "1" } : {}),
  });

  try {
    return await listen(cfg.port, pool, async (url) => {
      const r = await handle(url);
      return { ...r, headers: headersOf(r) };
    });
  } catch (e) {
    await pool.close();
    const inUse = (e as { code?: string }).code === "EADDRINUSE" || (e as { name?: string }).name === "AddrInUse";
    throw inUse ? new ConfigError(`port ${cfg.port} on 127.0.0.1 is in use (set PORT, 0 picks a free one)`) : e;
  }
}

type Handler = (url: URL) => Promise<{ status: number; body: string; headers: Record<string, string> }>;

/** Serve on 127.0.0.1:`port`: Deno.serve under Deno, node:http under Node. */
async function listen(port: number, pool: Pool, handle: Handler): Promise<Running> {
  if (Deno_ !== undefined) {
    const D = Deno_ as unknown as { serve(o: { hostname: string; port: number; onListen?: () => void }, h: (r: Request) => Promise<Response>): { addr: { port: number }; shutdown(): Promise<void> } };
    const server = D.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, async (request) => {
      const r = await handle(new URL(request.url));
      return new Response(r.body, { status: r.status, headers: r.headers });
    });
    return { url: `http://127.0.0.1:${server.addr.port}`, pool, close: async () => { await server.shutdown(); await pool.close(); } };
  }
  const http = await import("node:http");
  const server = http.createServer((req, res) => {
    handle(new URL(req.url ?? "/", "http://127.0.0.1")).then(
      (r) => res.writeHead(r.status, r.headers).end(r.body),
      (e: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`server error: ${e instanceof Error ? e.message : String(e)}\n`),
    );
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", ok);
  });
  const addr = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}`,
    pool,
    close: async () => {
      await new Promise<void>((ok) => { server.close(() => ok()); server.closeAllConnections(); });
      await pool.close();
    },
  };
}

/** Exit the process (Node or Deno). */
function exit(code: number): never {
  if (Deno_ !== undefined) return (Deno_ as unknown as { exit(c: number): never }).exit(code);
  return (globalThis as unknown as { process: { exit(c: number): never } }).process.exit(code);
}

const main = (import.meta as { main?: boolean }).main ?? (typeof process !== "undefined" && process.argv[1] !== undefined && import.meta.url === (await import("node:url")).pathToFileURL(process.argv[1]).href);
if (main) {
  try {
    const cfg = configFromEnv();
    const s = await startServer(cfg);
    console.log(`layerfs serverless: ${s.url}/run?a=hello  (${s.pool.size} workers, quota ${cfg.quota.bytes} bytes / ${cfg.quota.inodes} inodes, time limit ${cfg.timeoutMs} ms${s.pool.quotas ? "" : "; quotas not enforced by this Union"})`);
  } catch (e) {
    console.error(`layerfs serverless: ${e instanceof Error ? e.message : String(e)}`);
    exit(e instanceof ConfigError ? 2 : 1);
  }
}

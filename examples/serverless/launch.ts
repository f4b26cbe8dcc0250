/**
 * Start the example server as a child process and wait for its URL (the load
 * test, the benchmark and the tests use this). Node only.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const SERVER = fileURLToPath(new URL("./server.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface Launched {
  url: string;
  child: ChildProcess;
  /** Everything the server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** `runtime`: "node" (node --import tsx) or "deno" (node_modules/.bin/deno run -A). */
export function launchServer(env: Record<string, string>, runtime: "node" | "deno" = "node", timeoutMs = 30_000): Promise<Launched> {
  const [cmd, args] = runtime === "node"
    ? [process.execPath, ["--import", "tsx", SERVER]]
    : [`${ROOT}node_modules/.bin/deno`, ["run", "-A", "--node-modules-dir=manual", SERVER]];
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, PORT: "0", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (b: Buffer): void => {
      out += b.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)\/run/.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.stdout!.on("data", (x: Buffer) => (out += x.toString()));
      resolve({
        url: m[1]!,
        child,
        output: () => out,
        stop: () => new Promise<void>((ok) => {
          if (child.exitCode !== null || child.signalCode !== null) return ok();
          child.once("exit", () => ok());
          child.kill("SIGTERM");
        }),
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${out}`));
    });
  });
}

/** GET `url` + `path`: status, body, exit code header. */
export async function get(url: string, path: string): Promise<{ status: number; body: string; exitCode: string | null }> {
  const res = await fetch(url + path);
  return { status: res.status, body: await res.text(), exitCode: res.headers.get("x-exit-code") };
}

/** A /run path for handler arguments. */
export function runPath(args: readonly string[], extra = ""): string {
  return "/run?" + args.map((a) => "a=" + encodeURIComponent(a)).join("&") + extra;
}

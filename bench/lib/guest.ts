/**
 * Run bench/wasm/bench.wasm under each runtime and parse its result line
 * ("workload=<name> ms=<float> ops=<n>", timed inside the guest with
 * clock_time_get(MONOTONIC), so instantiation is not part of the figure).
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { WASI as NodeWasi } from "node:wasi";
import { ConsoleStdout, File, OpenFile, WASI as ShimWasi } from "@bjorn3/browser_wasi_shim";
import type { PreopenDirectory } from "@bjorn3/browser_wasi_shim";
import { run } from "../../src/mod.ts";
import type { Union } from "../../src/mod.ts";
import { main as cliMain } from "../../src/cli/main.ts";
import { nodeRuntime } from "../../src/cli/runtime-node.ts";

export const BENCH_WASM = new URL("../wasm/bench.wasm", import.meta.url).pathname;

let compiled: WebAssembly.Module | undefined;
export async function benchModule(): Promise<WebAssembly.Module> {
  return (compiled ??= await WebAssembly.compile(readFileSync(BENCH_WASM)));
}

export interface GuestResult {
  workload: string;
  ms: number;
  ops: number;
}

const decoder = new TextDecoder();

/** bench.wasm's result line (`workload=W ms=T ops=N`) from its stdout; throws with its stderr if it failed. */
export function parseGuestOutput(out: string, err: string, code: number | null, where: string): GuestResult {
  const m = /workload=(\S+) ms=([\d.]+) ops=(\d+)/.exec(out);
  if (code !== 0 || m === null) throw new Error(`bench.wasm under ${where} failed (exit ${code}): ${err.trim() || out.trim()}`);
  return { workload: m[1]!, ms: Number(m[2]), ops: Number(m[3]) };
}

function collector(): { write: (b: Uint8Array) => void; text: () => string } {
  const parts: string[] = [];
  return { write: (b) => void parts.push(decoder.decode(b)), text: () => parts.join("") };
}

/** layerfs's own dispatcher: run() over a Union. */
export async function underLayerfs(union: Union, args: string[]): Promise<GuestResult> {
  const out = collector();
  const err = collector();
  const code = await run(await benchModule(), { union, args: ["bench.wasm", ...args], stdout: out.write, stderr: err.write, stdin: "" });
  return parseGuestOutput(out.text(), err.text(), code, "layerfs");
}

/** browser_wasi_shim 0.4.2 with its own in-memory PreopenDirectory as "/". */
export async function underShim(root: PreopenDirectory, args: string[]): Promise<GuestResult> {
  const out = collector();
  const err = collector();
  const wasi = new ShimWasi(
    ["bench.wasm", ...args], [],
    [new OpenFile(new File([])), new ConsoleStdout(out.write), new ConsoleStdout(err.write), root],
    { debug: false },
  );
  const instance = await WebAssembly.instantiate(await benchModule(), { wasi_snapshot_preview1: wasi.wasiImport });
  const code = wasi.start(instance as unknown as { exports: { memory: WebAssembly.Memory; _start: () => unknown } });
  return parseGuestOutput(out.text(), err.text(), code, "browser_wasi_shim");
}

/** Node's node:wasi (uvwasi) with a host directory preopened as "/". */
export async function underNodeWasi(dir: string, args: string[], scratch: string): Promise<GuestResult> {
  const outPath = `${scratch}/nodewasi.stdout`;
  const errPath = `${scratch}/nodewasi.stderr`;
  const outFd = openSync(outPath, "w");
  const errFd = openSync(errPath, "w");
  let code: number;
  try {
    const wasi = new NodeWasi({
      version: "preview1", args: ["bench.wasm", ...args], env: {}, preopens: { "/": dir }, returnOnExit: true, stdout: outFd, stderr: errFd,
    });
    const instance = await WebAssembly.instantiate(await benchModule(), wasi.getImportObject() as WebAssembly.Imports);
    code = wasi.start(instance);
  } finally {
    closeSync(outFd);
    closeSync(errFd);
  }
  const result = parseGuestOutput(readFileSync(outPath, "utf8"), readFileSync(errPath, "utf8"), code, "node:wasi");
  rmSync(outPath);
  rmSync(errPath);
  return result;
}

/** `layerfs run [cliArgs] bench.wasm args...` through the CLI's own code path (in this process). */
export async function underCli(cliArgs: string[], args: string[]): Promise<GuestResult> {
  const out = collector();
  const err = collector();
  const cliErr: string[] = [];
  const rt = {
    ...nodeRuntime(),
    stderr: (d: string | Uint8Array) => void cliErr.push(typeof d === "string" ? d : decoder.decode(d)),
    programStdio: { stdout: out.write, stderr: err.write },
  };
  const code = await cliMain(["run", ...cliArgs, BENCH_WASM, ...args], rt);
  return parseGuestOutput(out.text(), err.text() + cliErr.join(""), code, "layerfs run (CLI)");
}

/**
 * bench.wasm's arguments for the tools' workload names: readbig (/big.bin), writebig[-upper]
 * (64 MiB to /out.bin), churn[-upper], stats (10,000 of /d/target). The "-upper" suffix, a host
 * upper for layerfs, is the caller's to read.
 */
export function benchArgs(work: string): string[] {
  const base = work.replace(/-upper$/, "");
  if (base === "readbig") return ["readbig", "/big.bin"];
  if (base === "writebig") return ["writebig", "/out.bin", "64"];
  if (base === "churn") return ["churn"];
  if (base === "stats") return ["stats", "/d/target", "10000"];
  if (base === "pwrite") return ["pwrite", "/big.bin", String(128 * 1024 * 1024)]; // mid-file of the tools' 256 MiB big.bin
  throw new Error(`unknown workload '${work}' (readbig, writebig, writebig-upper, churn, churn-upper, stats, pwrite, pwrite-upper)`);
}

/** Stands in for the kernel peer of a write row (node:wasi on overlayfs): 64 MiB written into `scratch` in 64 KiB blocks, removed after. */
export function writeHog(scratch: string): Promise<GuestResult> {
  const block = new Uint8Array(65536).fill(7);
  const path = `${scratch}/hog.bin`;
  const fd = openSync(path, "w");
  const t = performance.now();
  for (let i = 0; i < 1024; i++) writeSync(fd, block, 0, block.length, i * block.length);
  const ms = performance.now() - t;
  closeSync(fd);
  rmSync(path);
  return Promise.resolve({ workload: "hog", ms, ops: 1024 });
}

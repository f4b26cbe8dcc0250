/**
 * The serverless benchmark's peers, as pool workers speaking the example's
 * protocol (examples/serverless/protocol.ts), so they run behind the same
 * HTTP server and pool as layerfs. Each request is isolated the peer's way:
 *   shim:      a fresh browser_wasi_shim 0.4.2 PreopenDirectory tree holding
 *              a copy of every image file;
 *   node-wasi: node:wasi over a fresh copy (fs.cpSync) of a template
 *              directory holding the image, removed afterwards.
 * Node only (worker_threads).
 */
import { closeSync, cpSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { WASI as NodeWasi } from "node:wasi";
import { parentPort } from "node:worker_threads";
import { ConsoleStdout, Directory, File, OpenFile, PreopenDirectory, WASI as ShimWasi } from "@bjorn3/browser_wasi_shim";
import type { Inode } from "@bjorn3/browser_wasi_shim";
import type { InitMessage, RunMessage, WorkerReply } from "../../examples/serverless/protocol.ts";

export interface PeerExtra {
  mode: "shim" | "node-wasi";
  /** shim: every regular file of the image, path (no leading "/") -> bytes. */
  files?: Record<string, Uint8Array>;
  /** node-wasi: the template directory and where fresh copies go. */
  template?: string;
  scratch?: string;
}

let module: WebAssembly.Module;
let extra: PeerExtra;

function shimTree(files: Record<string, Uint8Array>): PreopenDirectory {
  const root = new Map<string, Inode>();
  for (const [path, bytes] of Object.entries(files)) {
    const parts = path.split("/");
    let dir = root;
    for (const name of parts.slice(0, -1)) {
      let d = dir.get(name) as Directory | undefined;
      if (d === undefined) {
        d = new Directory(new Map());
        dir.set(name, d);
      }
      dir = d.contents;
    }
    dir.set(parts[parts.length - 1]!, new File(bytes.slice()));
  }
  return new PreopenDirectory("/", root);
}

async function handle(m: RunMessage): Promise<WorkerReply> {
  const args = ["handler", ...m.args];
  if (extra.mode === "shim") {
    let stdout = "";
    const dec = new TextDecoder();
    const sink = new ConsoleStdout((b) => (stdout += dec.decode(b)));
    const wasi = new ShimWasi(args, [], [new OpenFile(new File([])), sink, sink, shimTree(extra.files!)], { debug: false });
    const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
    const exitCode = wasi.start(instance as unknown as { exports: { memory: WebAssembly.Memory; _start: () => unknown } });
    return { type: "done", id: m.id, exitCode, stdout, truncated: false };
  }
  const dir = mkdtempSync(join(extra.scratch!, "req-"));
  const root = join(dir, "root");
  try {
    cpSync(extra.template!, root, { recursive: true });
    const outPath = join(dir, "stdout");
    const fd = openSync(outPath, "w");
    let exitCode: number;
    try {
      const wasi = new NodeWasi({ version: "preview1", args, env: {}, preopens: { "/": root }, returnOnExit: true, stdout: fd, stderr: fd });
      const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as WebAssembly.Imports);
      exitCode = wasi.start(instance);
    } finally {
      closeSync(fd);
    }
    return { type: "done", id: m.id, exitCode, stdout: readFileSync(outPath, "utf8"), truncated: false };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

parentPort!.on("message", (m: InitMessage | RunMessage) => {
  if (m.type === "init") {
    module = m.module;
    extra = m.extra as PeerExtra;
    parentPort!.postMessage({ type: "ready", quotas: false } satisfies WorkerReply);
    return;
  }
  handle(m).then((r) => parentPort!.postMessage(r), (e: unknown) => parentPort!.postMessage({ type: "failed", id: m.id, error: String(e) } satisfies WorkerReply));
});

// Helpers for the CLI tests (Node only): temp layer directories, the CLI run
// in-process with captured output, and the CLI spawned as a real process.
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.ts";
import { nodeRuntime } from "../../src/cli/runtime-node.ts";
import type { CliRuntime } from "../../src/cli/runtime.ts";
import { afterAll, beforeAll } from "vitest";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const DEMO_DIR = join(ROOT, "examples/aufs-demo");
export const DEMO_WASM = join(DEMO_DIR, "demo.wasm");
export const BIN = join(ROOT, "bin/layerfs.js");

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = "layerfs-cli-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Write a tree {"a/b": "text", "d/": null} under `root`. */
export function writeTree(root: string, tree: Record<string, string | null>): string {
  mkdirSync(root, { recursive: true });
  for (const [path, content] of Object.entries(tree)) {
    const abs = join(root, path);
    if (content === null) mkdirSync(abs, { recursive: true });
    else {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, content);
    }
  }
  return root;
}

/** Copies of the demo's aaa/ and bbb/ in a temp dir. */
export function demoCopy(): { dir: string; aaa: string; bbb: string } {
  const dir = tempDir("layerfs-demo-");
  cpSync(join(DEMO_DIR, "aaa"), join(dir, "aaa"), { recursive: true });
  cpSync(join(DEMO_DIR, "bbb"), join(dir, "bbb"), { recursive: true });
  return { dir, aaa: join(dir, "aaa"), bbb: join(dir, "bbb") };
}

/** Names and contents of a host directory tree ("name" -> text, dirs as "name/"). */
export function readTree(root: string, rel = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(root, rel)).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    if (statSync(join(root, path)).isDirectory()) {
      out[path + "/"] = "";
      Object.assign(out, readTree(root, path));
    } else out[path] = readFileSync(join(root, path), "utf8");
  }
  return out;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run main() in this process with stdout/stderr (the CLI's and the program's) captured. */
export async function runCli(args: string[], options: { stdin?: string } = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const decoder = new TextDecoder();
  const stdinBytes = new TextEncoder().encode(options.stdin ?? "");
  let stdinPos = 0;
  const text = (d: string | Uint8Array) => (typeof d === "string" ? d : decoder.decode(d));
  const rt: CliRuntime = {
    ...nodeRuntime(),
    stdout: (d) => void (stdout += text(d)),
    stderr: (d) => void (stderr += text(d)),
    programStdio: {
      stdin: (into: Uint8Array) => {
        const n = Math.min(into.length, stdinBytes.length - stdinPos);
        into.set(stdinBytes.subarray(stdinPos, stdinPos + n));
        stdinPos += n;
        return n;
      },
      stdout: (d: Uint8Array) => void (stdout += decoder.decode(d)),
      stderr: (d: Uint8Array) => void (stderr += decoder.decode(d)),
    },
  };
  const status = await main(args, rt);
  return { status, stdout, stderr };
}

/**
 * A private copy of the package (package.json, bin/, dist/ built by `npm run build`'s
 * script with another outDir, node_modules linked), so spawning bin/layerfs.js never
 * races with other tests that build dist/. Returns the copy's root, or why it failed.
 */
export function buildPackageCopy(): { root: string } | { error: string } {
  const root = tempDir("layerfs-cli-pkg-");
  copyFileSync(join(ROOT, "package.json"), join(root, "package.json"));
  mkdirSync(join(root, "bin"));
  copyFileSync(BIN, join(root, "bin/layerfs.js"));
  symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"), "dir");
  const r = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs"), "--outDir", join(root, "dist")], {
    cwd: ROOT,
    encoding: "utf8",
  });
  // Type errors elsewhere still emit JavaScript and the bundle (test/build checks the
  // build is clean); the CLI tests only need the emitted files.
  if (existsSync(join(root, "dist/cli/layerfs.cjs"))) return { root };
  return { error: `npm run build failed: ${(r.stdout + r.stderr).slice(0, 800)}` };
}

/** A private package copy for the enclosing describe block: built before its tests, removed after. */
export function packageCopy(): () => string {
  let pkg = "";
  beforeAll(() => {
    const built = buildPackageCopy();
    if ("error" in built) throw new Error(built.error);
    pkg = built.root;
  }, 120_000);
  afterAll(() => removeDir(pkg));
  return () => pkg;
}

/** Spawn `node PKG/bin/layerfs.js ARGS` as a child process. */
export function spawnCli(pkg: string, args: string[], options: { input?: string; cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [join(pkg, "bin/layerfs.js"), ...args], {
    cwd: options.cwd ?? ROOT,
    input: options.input ?? "",
    encoding: "utf8",
    env: options.env === undefined ? process.env : { ...process.env, ...options.env },
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

// The layerfs CLI as a real process: `node bin/layerfs.js` over the built dist/
// (what `npx layerfs` runs), and `deno run -A src/cli/main.ts` under Deno.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { crc32 } from "node:zlib";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dirLayer } from "../../src/host/node.ts";
import { skipReason } from "../support/index.ts";
import { DEMO_WASM, demoCopy, packageCopy, readTree, removeDir, ROOT, spawnCli as spawnBin } from "./helpers.ts";

const PROBE = join(ROOT, "test/cli/fixtures/probe.wasm");
const DENO = join(ROOT, "node_modules/.bin/deno");

describe("node bin/layerfs.js", () => {
  const pkg = packageCopy();
  const spawnCli = (args: string[], options?: { input?: string }) => spawnBin(pkg(), args, options);

  it("is the package's bin, a plain JS file", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
    expect(pkg.bin).toEqual({ layerfs: "./bin/layerfs.js" });
    expect(readFileSync(join(ROOT, "bin/layerfs.js"), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it("prints help and version", () => {
    const help = spawnCli(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage: layerfs COMMAND");
    const version = spawnCli(["--version"]);
    expect(version.stdout).toMatch(/^layerfs \d+\.\d+\.\d+ \(node v?\d+/);
  });

  it("runs the demo with --upper, leaving aaa/file3 after modify and aaa/.wh.file3 after remove", () => {
    const { dir, aaa, bbb } = demoCopy();
    try {
      const bbbBefore = readTree(bbb);
      const layers = ["--layer", bbb, "--upper", aaa, "--", DEMO_WASM];
      expect(spawnCli(["run", ...layers, "modify"]).status).toBe(0);
      expect(readFileSync(join(aaa, "file3"), "utf8")).toMatch(/modified by demo\n$/);
      const r = spawnCli(["run", ...layers, "remove"]);
      expect(r).toMatchObject({ status: 0, stderr: "" });
      expect(r.stdout).toBe("demo: remove: rm /file3\ndemo: removed /file3\n");
      expect(existsSync(join(aaa, ".wh.file3"))).toBe(true);
      expect(existsSync(join(aaa, "file3"))).toBe(false);
      expect(readTree(bbb)).toEqual(bbbBefore);
      expect(spawnCli(["diff", "--layer", bbb, "--upper", aaa]).stdout).toBe("A /file1\nC /file2\nD /file3\n");
    } finally {
      removeDir(dir);
    }
  });

  it("passes the real process's stdin through and the exit status back", () => {
    expect(spawnCli(["run", PROBE, "stdin"], { input: "piped\ninput\n" })).toEqual({ status: 0, stdout: "piped\ninput\n", stderr: "" });
    expect(spawnCli(["run", PROBE, "exit", "9"]).status).toBe(9);
  });

  it("reports bad arguments and missing files in one line, without a stack trace", () => {
    const usage = spawnCli(["run", "--bogus"]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toBe("layerfs: run: unknown option '--bogus' (see 'layerfs run --help')\n");
    const missing = spawnCli(["cat", "--layer", "/nonexistent-layerfs-dir", "/x"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe("layerfs: cat: layer '/nonexistent-layerfs-dir': no such directory\n");
    const notWasm = spawnCli(["run", join(ROOT, "package.json")]);
    expect(notWasm.status).toBe(1);
    expect(notWasm.stderr).toMatch(/^layerfs: run: .*package\.json: not a WebAssembly module/);
  });
});

describe("node bin/layerfs.js runs the bundled CLI (dist/cli/, scripts/build.mjs)", () => {
  const copy = packageCopy();

  it("needs none of dist/src's modules: the bundle alone runs a guest and a lazily loaded command", () => {
    const pkg = copy();
    rmSync(join(pkg, "dist/src"), { recursive: true });
    expect(spawnBin(pkg, ["run", PROBE, "stdin"], { input: "bundled\n" })).toEqual({ status: 0, stdout: "bundled\n", stderr: "" });
    const { dir, bbb } = demoCopy();
    try {
      expect(spawnBin(pkg, ["ls", "--layer", bbb, "/"])).toMatchObject({ status: 0, stderr: "" });
    } finally {
      removeDir(dir);
    }
  });

  it("keeps a V8 code cache beside the bundle: made by the first run, taken by the next, never trusted when damaged", () => {
    const cliDir = join(copy(), "dist/cli");
    const caches = () => readdirSync(cliDir).filter((n) => n.endsWith(".v8cache"));
    for (const name of caches()) rmSync(join(cliDir, name));
    const env = { LAYERFS_CODE_CACHE: "1", NODE_OPTIONS: "" };
    expect(spawnBin(copy(), ["run", PROBE, "stdin"], { input: "one\n", env })).toEqual({ status: 0, stdout: "one\n", stderr: "" });
    expect(caches()).toHaveLength(1);
    const file = join(cliDir, caches()[0]!);
    const made = readFileSync(file);
    expect(made.length).toBeGreaterThan(100_000); // every function of the bundle
    expect(spawnBin(copy(), ["run", PROBE, "stdin"], { input: "two\n", env })).toEqual({ status: 0, stdout: "two\n", stderr: "" });
    expect(readFileSync(file).equals(made)).toBe(true); // taken as it was
    // Bytes damaged in the middle of V8's payload, behind a header V8 would accept: handed to
    // V8, this kills the process (SIGSEGV); the CRC-32 in our header keeps it from V8.
    const mid = made.length >> 1;
    writeFileSync(file, made.map((b, i) => (i >= mid && i < mid + 400 ? b ^ 0x5a : b)));
    expect(spawnBin(copy(), ["run", PROBE, "stdin"], { input: "three\n", env })).toEqual({ status: 0, stdout: "three\n", stderr: "" });
    const remade = readFileSync(file); // made again, whole: its header's CRC-32 is its payload's
    expect(remade.subarray(0, 8).toString()).toBe("LFSV8CC1");
    expect(remade.readUInt32LE(8)).toBe(crc32(remade.subarray(20)) >>> 0);
    expect(remade.readUInt32LE(12)).toBe(remade.length - 20);
    rmSync(file);
    expect(spawnBin(copy(), ["--version"], { env: { LAYERFS_CODE_CACHE: "0" } }).status).toBe(0);
    expect(caches()).toEqual([]);
  });

  it("says how to build it when dist/cli/ is missing", () => {
    const pkg = copy();
    rmSync(join(pkg, "dist/cli"), { recursive: true, force: true });
    const r = spawnBin(pkg, ["--version"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("layerfs: the compiled CLI (dist/) is missing: run 'npm run build' first\n");
  });
});

describe("deno run -A src/cli/main.ts", () => {
  const noDeno = existsSync(DENO) ? undefined : "deno is not installed (node_modules/.bin/deno missing)";

  function deno(args: string[], input = "", cwd = ROOT) {
    const r = spawnSync(DENO, ["run", "-A", join(ROOT, "src/cli/main.ts"), ...args], {
      cwd,
      input,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  it.skipIf(skipReason(noDeno))("runs the demo on DirLayers over Deno's APIs and lists the result", () => {
    const { dir, aaa, bbb } = demoCopy();
    try {
      expect(deno(["--version"]).stdout).toMatch(/^layerfs \d+\.\d+\.\d+ \(deno 2\./);
      const run = deno(["run", "--layer", bbb, "--upper", aaa, "--", DEMO_WASM, "edit", "modify", "remove"]);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(readTree(aaa)).toMatchObject({ ".wh.file3": "" });
      expect(readdirSync(dir).sort()).toEqual(["aaa", "bbb"]); // no work directory left behind
      expect(readFileSync(join(aaa, "file1"), "utf8")).toMatch(/edited by demo\n$/);
      expect(deno(["ls", "--layer", "bbb", "--upper", "./aaa"], "", dir).stdout).toBe("file1\nfile2\n"); // relative paths
      expect(deno(["diff", "--layer", bbb, "--upper", aaa]).stdout).toBe("A /file1\nC /file2\nD /file3\n");
      expect(deno(["run", PROBE, "stdin"], "via deno\n")).toEqual({ status: 0, stdout: "via deno\n", stderr: "" });
      expect(deno(["run", PROBE, "exit", "5"]).status).toBe(5);
      const bad = deno(["ls", "--bogus"]);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toBe("layerfs: ls: unknown option '--bogus' (see 'layerfs ls --help')\n");
    } finally {
      removeDir(dir);
    }
  });

  it.skipIf(skipReason(noDeno))("refuses an --upper held by a Node process with one line, and leaves no lock behind itself", () => {
    const { dir, aaa, bbb } = demoCopy();
    const holder = dirLayer(aaa, { writable: true }); // this (Node) process holds aaa
    try {
      const r = deno(["run", "--layer", bbb, "--upper", aaa, "--", DEMO_WASM, "modify"]);
      expect(r).toEqual({ status: 1, stdout: "", stderr: `layerfs: run: upper '${aaa}' is in use by pid ${process.pid} on ${hostname()} (lock ${join(dir, ".aaa.layerfs-lock")})\n` });
      holder.close();
      expect(deno(["run", "--layer", bbb, "--upper", aaa, "--", DEMO_WASM, "modify"]).status).toBe(0);
      expect(readdirSync(dir).sort()).toEqual(["aaa", "bbb"]); // its lock went with it
    } finally {
      holder.close();
      removeDir(dir);
    }
  });
});

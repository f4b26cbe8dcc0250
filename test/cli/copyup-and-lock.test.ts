// Issue 11 through the real CLI process (`node bin/layerfs.js run`):
// - item 1: a guest appending to thousands of host-lower files (each append a copy-up) under
//   `ulimit -n 256`, with a host upper and with the in-memory upper: no descriptor per copy-up.
// - item 2: a second `layerfs run` on an --upper in use fails with one `layerfs:` line naming
//   the upper and the holder's pid (exit 1), and two runs started together never lose an append.
// LAYERFS_COPYUP_FILES sets the number of files (default 5000, as the issue asks).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dirLayer } from "../../src/host/node.ts";
import { buildPackageCopy, removeDir, ROOT, tempDir } from "./helpers.ts";

const PROGRAM = join(ROOT, "test/wasm/copyup_many.wasm");
const FILES = Number(process.env.LAYERFS_COPYUP_FILES ?? 5000);

/** tmpfs where there is one: a host upper fsyncs every copy-up (durable), which tmpfs makes free. */
function fastTemp(prefix: string): string {
  if (existsSync("/dev/shm")) {
    try {
      return tempDirIn("/dev/shm", prefix);
    } catch { /* fall back */ }
  }
  return tempDir(prefix);
}
function tempDirIn(parent: string, prefix: string): string {
  const dir = join(parent, `${prefix}${process.pid}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  return dir;
}

describe("layerfs run: thousands of copy-ups and one runner per upper", () => {
  let pkg = "";
  let base = "";
  let lower = "";
  beforeAll(() => {
    const built = buildPackageCopy();
    if ("error" in built) throw new Error(built.error);
    pkg = built.root;
    base = fastTemp("layerfs-cli-copyup-");
    lower = join(base, "lower");
    mkdirSync(join(lower, "d"), { recursive: true });
    for (let i = 0; i < FILES; i++) writeFileSync(join(lower, "d", `f${String(i).padStart(5, "0")}`), `lower ${i}\n`);
  }, 120_000);
  afterAll(() => {
    removeDir(pkg);
    removeDir(base);
  });

  /** `layerfs run` under `ulimit -n 256`, as a shell would start it. */
  const runLimited = (args: string[]) => {
    const quoted = args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
    const r = spawnSync("sh", ["-c", `ulimit -n 256; exec node '${join(pkg, "bin/layerfs.js")}' run ${quoted}`], { cwd: ROOT, encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it(`appends to ${FILES} host-lower files under ulimit -n 256 with the in-memory upper`, () => {
    const r = runLimited(["--layer", lower, "--", PROGRAM, "/d", String(FILES), "+mem\n"]);
    expect(r).toEqual({ status: 0, stdout: `appended ${FILES}\n`, stderr: "" });
  }, 120_000);

  it(`appends to ${FILES} host-lower files under ulimit -n 256 with a host upper`, () => {
    const upper = join(base, "upper-limited");
    const r = runLimited(["--layer", lower, "--upper", upper, "--", PROGRAM, "/d", String(FILES), "+host\n"]);
    expect(r).toEqual({ status: 0, stdout: `appended ${FILES}\n`, stderr: "" });
    expect(readdirSync(join(upper, "d"))).toHaveLength(FILES);
    expect(readFileSync(join(upper, "d/f00007"), "utf8")).toBe("lower 7\n+host\n");
    // After the run: no lock and no work directory left beside the upper.
    expect(readdirSync(base).filter((n) => n.startsWith(".upper-limited."))).toEqual([]);
  }, 120_000);

  it("refuses a second runner on an upper in use with one line naming the upper and the holder's pid", () => {
    const upper = join(base, "upper-held");
    mkdirSync(upper);
    const holder = dirLayer(upper, { writable: true }); // this test process holds the upper
    try {
      const r = runLimited(["--layer", lower, "--upper", upper, "--", PROGRAM, "/d", "3", "+no\n"]);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`layerfs: run: upper '${upper}' is in use by pid ${process.pid} on ${hostname()} (lock ${join(base, ".upper-held.layerfs-lock")})\n`);
      expect(readdirSync(upper)).toEqual([]); // nothing written
    } finally {
      holder.close();
    }
    expect(runLimited(["--layer", lower, "--upper", upper, "--", PROGRAM, "/d", "3", "+yes\n"]).status).toBe(0);
  });

  it("two runs started together on one upper never lose an append", async () => {
    const upper = join(base, "upper-race");
    const n = Math.min(FILES, 1500);
    const start = (tag: string) => new Promise<{ tag: string; status: number; stderr: string }>((resolve) => {
      const child = spawn("node", [join(pkg, "bin/layerfs.js"), "run", "--layer", lower, "--upper", upper, "--", PROGRAM, "/d", String(n), `+${tag}\n`], { cwd: ROOT });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += String(d)));
      child.on("exit", (code) => resolve({ tag, status: code ?? -1, stderr }));
    });
    const runs = await Promise.all([start("A"), start("B")]);
    const won = runs.filter((r) => r.status === 0).map((r) => r.tag);
    expect(won.length).toBeGreaterThan(0);
    for (const r of runs) {
      if (r.status !== 0) expect(r.stderr).toMatch(/^layerfs: run: upper '.*' is in use by pid \d+ .*\n$/);
    }
    for (let i = 0; i < n; i++) {
      const text = readFileSync(join(upper, "d", `f${String(i).padStart(5, "0")}`), "utf8");
      const appended = text.slice(`lower ${i}\n`.length).split("\n").filter(Boolean).sort();
      expect(appended, `file ${i}`).toEqual(won.map((t) => `+${t}`).sort());
    }
  }, 120_000);
});

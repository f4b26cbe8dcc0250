// Hostile `layerfs` command lines: overlapping upper/layer/--dir directories (also
// through symlinked spellings), odd --dir guest paths, programs that are not
// modules, huge argument lists. Each gives one clear `layerfs:` line, the right
// status, and writes nothing. Node only (main() in-process over node:fs).
import * as fs from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readTree, removeDir, ROOT, runCli, tempDir, writeTree } from "../cli/helpers.ts";

const PROBE = join(ROOT, "test/cli/fixtures/probe.wasm");
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(removeDir));

function world(): { dir: string; lower: string; upper: string; before: Record<string, string> } {
  const dir = tempDir("layerfs-sec-cli-");
  dirs.push(dir);
  writeTree(join(dir, "lower"), { "f.txt": "lower" });
  writeTree(join(dir, "upper"), { "u.txt": "upper" });
  return { dir, lower: join(dir, "lower"), upper: join(dir, "upper"), before: readTree(dir) };
}

function oneLine(r: { status: number; stdout: string; stderr: string }, status: number, pattern: RegExp): void {
  expect(r.status, r.stderr).toBe(status);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr.startsWith("layerfs: ")).toBe(true);
}

describe("layerfs CLI under hostile arguments", () => {
  it("refuses an --upper that reaches a --layer through a symlink or a '..' spelling", async () => {
    const w = world();
    fs.symlinkSync(w.lower, join(w.dir, "alias"));
    oneLine(await runCli(["run", "--layer", w.lower, "--upper", join(w.dir, "alias"), PROBE, "write", "/f.txt", "x"]), 1, /overlaps layer/);
    oneLine(await runCli(["run", "--layer", join(w.dir, "alias"), "--upper", join(w.lower, "sub"), PROBE, "args"]), 1, /overlaps layer/);
    oneLine(await runCli(["run", "--layer", w.lower, "--upper", `${w.upper}/../lower/.`, PROBE, "args"]), 1, /overlaps layer/);
    expect(fs.readFileSync(join(w.lower, "f.txt"), "utf8")).toBe("lower");
    fs.unlinkSync(join(w.dir, "alias"));
    expect(readTree(w.dir)).toEqual(w.before);
  });

  it("refuses a --dir host directory that is, contains or sits inside a --layer or the --upper", async () => {
    const w = world();
    fs.symlinkSync(w.lower, join(w.dir, "alias"));
    const cases = [
      ["--layer", w.lower, "--dir", `/m=${w.lower}`],
      ["--layer", w.lower, "--dir", `/m=${join(w.dir, "alias")}`],
      ["--layer", w.lower, "--dir", `/m=${w.dir}`],
      ["--layer", w.lower, "--upper", w.upper, "--dir", `/m=${w.upper}`],
    ];
    for (const c of cases) {
      oneLine(await runCli(["run", ...c, PROBE, "write", "/m/f.txt", "pwned"]), 1, /--dir .*overlaps/);
    }
    fs.unlinkSync(join(w.dir, "alias"));
    expect(readTree(w.dir)).toEqual(w.before);
  });

  it("refuses odd --dir guest paths and duplicate guests with a usage error", async () => {
    const w = world();
    for (const g of ["/m/../..", "//", "/m/./x", "/m//x", "/m/", "/.."]) {
      oneLine(await runCli(["run", "--dir", `${g}=${w.upper}`, PROBE, "args"]), 2, /--dir guest path/);
    }
    oneLine(await runCli(["run", "--dir", `/m=${w.upper}`, "--dir", `/m=${w.lower}`, PROBE, "args"]), 2, /--dir .*more than once/);
    expect(readTree(w.dir)).toEqual(w.before);
  });

  it("refuses a directory, a missing file, an empty file and a truncated module as the program", async () => {
    const w = world();
    const bytes = fs.readFileSync(PROBE);
    fs.writeFileSync(join(w.dir, "trunc.wasm"), bytes.subarray(0, Math.floor(bytes.length / 2)));
    fs.writeFileSync(join(w.dir, "empty.wasm"), "");
    fs.writeFileSync(join(w.dir, "magic.wasm"), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff]));
    oneLine(await runCli(["run", "--upper", w.upper, w.dir]), 1, /not a regular file/);
    oneLine(await runCli(["run", "--upper", w.upper, join(w.dir, "nope.wasm")]), 1, /no such file/);
    oneLine(await runCli(["run", "--upper", w.upper, join(w.dir, "empty.wasm")]), 1, /not a WebAssembly module/);
    oneLine(await runCli(["run", "--upper", w.upper, join(w.dir, "trunc.wasm")]), 1, /invalid WebAssembly module/);
    oneLine(await runCli(["run", "--upper", w.upper, join(w.dir, "magic.wasm")]), 1, /invalid WebAssembly module/);
    for (const f of ["trunc.wasm", "empty.wasm", "magic.wasm"]) fs.unlinkSync(join(w.dir, f));
    expect(readTree(w.dir)).toEqual(w.before);
  });

  it("passes a huge argument list through and answers cat of a missing --layer with status 1", async () => {
    const w = world();
    const many = Array.from({ length: 20000 }, (_, i) => `arg-${i}`);
    const r = await runCli(["run", "--upper", w.upper, PROBE, "args", ...many]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split("\n").length).toBeGreaterThanOrEqual(20000);
    oneLine(await runCli(["cat", "--layer", join(w.dir, "nope"), "/f.txt"]), 1, /no such directory/);
    oneLine(await runCli(["cat", "--layer", w.lower, "/../../../etc/passwd"]), 1, /.+/);
    expect(readTree(w.dir)).toEqual(w.before);
  });
});

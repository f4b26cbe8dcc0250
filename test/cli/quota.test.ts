// `layerfs run --quota-bytes N --quota-inodes N`: the limits reach a real guest as
// ENOSPC (memory and host uppers), sizes take K/M/G suffixes, bad values are one line.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { removeDir, ROOT, runCli, tempDir } from "./helpers.ts";

const QUOTA_WASM = join(ROOT, "test/wasm/wasi_quota.wasm");
const COPYUP_MANY = join(ROOT, "test/wasm/copyup_many.wasm");
const cleanups: string[] = [];
afterEach(() => {
  for (const dir of cleanups.splice(0)) removeDir(dir);
});

function lowerDir(): string {
  const dir = tempDir("layerfs-quota-");
  cleanups.push(dir);
  mkdirSync(join(dir, "lower/lower"), { recursive: true });
  writeFileSync(join(dir, "lower/lower/big.bin"), new Uint8Array(2 << 20).fill(0x6c));
  mkdirSync(join(dir, "lower/pad"));
  for (let i = 0; i < 5; i++) writeFileSync(join(dir, `lower/pad/f0000${i}`), `lower ${i}\n`);
  return dir;
}

describe("layerfs run --quota-bytes / --quota-inodes", () => {
  it("gives the guest ENOSPC past the limits, nothing half-written (memory upper, M suffix)", async () => {
    const dir = lowerDir();
    const r = await runCli(["run", "--layer", join(dir, "lower"), "--quota-bytes", "1M", "--quota-inodes", "64", "--", QUOTA_WASM]);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("not ok")), r.stdout + r.stderr).toEqual([]);
    expect(r.stdout).toMatch(/^# passed \d+ failed 0$/m);
    expect(r.status).toBe(0);
  });

  it("limits a host --upper too: the refused copy-up leaves nothing in it", async () => {
    const dir = lowerDir();
    const upper = join(dir, "upper");
    // 3 inodes: /pad and two files copied up; the third copy-up is refused.
    const r = await runCli(["run", "--layer", join(dir, "lower"), "--upper", upper, "--quota-inodes", "3", "--", COPYUP_MANY, "/pad", "5", "+x"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error at \/pad\/f00002: No space left on device$/m);
    expect(readdirSync(join(upper, "pad")).sort()).toEqual(["f00000", "f00001"]);
    const ok = await runCli(["run", "--layer", join(dir, "lower"), "--upper", join(dir, "upper2"), "--quota-inodes", "6", "--quota-bytes", "64KiB", "--", COPYUP_MANY, "/pad", "5", "+x"]);
    expect(ok.stdout).toBe("appended 5\n");
  });

  it("refuses bad values and a quota without a root with one line", async () => {
    for (const [flag, value] of [["--quota-bytes", "12Q"], ["--quota-bytes", "-1"], ["--quota-bytes", "1.5G"], ["--quota-inodes", "10kb"], ["--quota-inodes", ""]] as const) {
      const r = await runCli(["run", "--scratch", `${flag}=${value}`, "--", QUOTA_WASM]);
      expect(r.status, `${flag} ${value}`).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.split("\n")).toHaveLength(2);
      expect(r.stderr).toMatch(new RegExp(`^layerfs: run: ${flag} expects a (size|count) like .*, got '${value}'`));
    }
    const r = await runCli(["run", "--quota-inodes", "5", "--", QUOTA_WASM]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^layerfs: run: --quota-bytes\/--quota-inodes limit the writable layer: give --image, --layer, --upper or --scratch/);
  });
});

// Issue 9, end to end: `layerfs run --layer L --upper U` (the real CLI process) running
// bench.wasm's pwrite workload (a 4 KiB pwrite into a 64 MiB lower file) with L and U on a
// loop-mounted reflink filesystem (XFS reflink=1, or btrfs): the copy-up in U shares the
// lower's extents (FIEMAP SHARED; on XFS the free space does not drop by the size), its
// content is the lower's with the 4 KiB written, and a second run's write into the copy
// leaves the lower as it was. test/host/reflink.test.ts has the XFS reflink=0 control (a
// plain copy fails these checks; on tmpfs sharedBytes throws). Root only; skips with a
// printed reason where no loop filesystem can be made.
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { firstDiff, pattern } from "../../src/testing/content.ts";
import { skipReason } from "../support/index.ts";
import { loopFs, sharedBytes } from "../host/loop-fs.ts";
import type { LoopFs } from "../host/loop-fs.ts";
import { packageCopy, ROOT, spawnCli } from "./helpers.ts";

const BENCH_WASM = join(ROOT, "bench/wasm/bench.wasm");
const MiB = 1024 * 1024;
const SIZE = 64 * MiB;
const MID = SIZE / 2;
/** Blocks a clone may have unshared per write: the written one and XFS's copy-on-write extent size hint around it. */
const SLACK = MiB;

const loop = loopFs();
afterAll(() => { if (typeof loop !== "string") loop.close(); });

describe.skipIf(skipReason(typeof loop === "string" ? `reflink filesystem: ${loop}` : undefined))("layerfs run --upper on a reflink filesystem", () => {
  const pkg = packageCopy();

  it(`bench.wasm pwrite: the copy-up of a ${SIZE / MiB} MiB lower file is a reflink, and the lower stays as it was`, () => {
    const fs = loop as LoopFs;
    const lower = join(fs.dir, "lower");
    const upper = join(fs.dir, "upper");
    mkdirSync(lower);
    const original = pattern(SIZE, 4);
    writeFileSync(join(lower, "big.bin"), original);

    const free = fs.freeBytes();
    const r = spawnCli(pkg(), ["run", "--layer", lower, "--upper", upper, "--", BENCH_WASM, "pwrite", "/big.bin", String(MID)]);
    const used = free - fs.freeBytes();
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^workload=pwrite ms=[\d.]+ ops=1\n?$/);
    expect(r.status).toBe(0);

    const copy = join(upper, "big.bin");
    expect(statSync(copy).size).toBe(SIZE);
    expect(sharedBytes(copy)).toBeGreaterThanOrEqual(SIZE - SLACK);
    if (fs.type === "xfs") expect(used).toBeLessThan(SIZE / 8); // btrfs's statfs counts chunks, not extents
    const expected = original.slice();
    expected.fill(0x5a, MID, MID + 4096); // bench.c's pwrite4k writes 0x5a
    expect(firstDiff(readFileSync(copy), expected)).toBe(-1);
    expect(firstDiff(readFileSync(join(lower, "big.bin")), original)).toBe(-1);

    // A second run writes into the copy already in the upper: the lower is untouched.
    const again = spawnCli(pkg(), ["run", "--layer", lower, "--upper", upper, "--", BENCH_WASM, "pwrite", "/big.bin", "0"]);
    expect(again.status, again.stderr).toBe(0);
    expected.fill(0x5a, 0, 4096);
    expect(firstDiff(readFileSync(copy), expected)).toBe(-1);
    expect(firstDiff(readFileSync(join(lower, "big.bin")), original)).toBe(-1);
    expect(sharedBytes(copy)).toBeGreaterThanOrEqual(SIZE - 2 * SLACK);
  }, 60_000);
});

// `layerfs run` disposes its memory upper when the program ends: the chunks it
// wrote go to the chunk pool, and the next run in the process writes into them.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { chunkPoolStats, trimChunkPool } from "../../src/layers/chunk-pool.ts";
import { ROOT, runCli } from "./helpers.ts";

const BENCH_WASM = join(ROOT, "bench/wasm/bench.wasm");
const MiB = 1 << 20;

afterEach(() => void trimChunkPool());

describe("layerfs run: the memory upper's lifetime", () => {
  it("hands the upper's chunks to the pool at the end of the run, and the next run reuses them", async () => {
    trimChunkPool();
    const first = await runCli(["run", "--scratch", "--", BENCH_WASM, "writebig", "/out.bin", "2"]);
    expect(first.stdout + first.stderr).toMatch(/^workload=writebig ms=[\d.]+ ops=32$/m);
    expect(first.status).toBe(0);
    expect(chunkPoolStats().bytes).toBe(2 * MiB);
    const second = await runCli(["run", "--scratch", "--", BENCH_WASM, "writebig", "/out.bin", "2"]);
    expect(second.status).toBe(0);
    expect(chunkPoolStats().bytes).toBe(2 * MiB); // took the 32 chunks, gave them back
  });
});

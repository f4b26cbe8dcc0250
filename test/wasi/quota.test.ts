// A real guest past its union's quota (test/wasm/src/wasi_quota.c): ENOSPC reaches it
// through fd_write, fd_pwrite, path_open, path_create_directory and path_symlink, and
// nothing it was refused is left in the union. Portable (no node:* imports).
import { describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { run } from "../../src/wasi/run.ts";
import { loadFixtureBytes } from "../support/fixtures.ts";
import { snapshotUnion } from "../core/tree.ts";

const MiB = 1 << 20;

describe("wasi_quota.wasm: a guest past its quota", () => {
  it("gets ENOSPC and leaves nothing half-written", async () => {
    const lower = MemoryLayer.from({ "lower/big.bin": new Uint8Array(2 * MiB).fill(0x6c) }, { timeNs: 1n });
    const quota = { bytes: MiB, inodes: 64 };
    const union = new Union(new Image([lower]), new MemoryLayer(), { quota });
    const bytes = await loadFixtureBytes(new URL("../wasm/wasi_quota.wasm", import.meta.url));
    let out = "";
    const dec = new TextDecoder();
    const code = await run(bytes, { union, args: ["wasi_quota"], env: {}, stdin: "ignore", stdout: (b) => (out += dec.decode(b)), stderr: (b) => (out += dec.decode(b)) });
    expect(out.split("\n").filter((l) => l.startsWith("not ok")), out).toEqual([]);
    expect(out).toMatch(/^# passed 23 failed 0$/m);
    expect(code).toBe(0);

    // What the guest was refused is not there; what it was allowed is whole.
    expect(union.stat("/q/big").size).toBe(1000);
    expect(union.readFile("/q/big", "utf8")).toBe("a".repeat(1000));
    expect(union.readFile("/lower/big.bin").subarray(0, 12)).toEqual(new TextEncoder().encode("0123456789ll"));
    for (const p of ["/q/dir", "/q/link", "/q/libc", "/q/f000"]) expect(union.exists(p), p).toBe(false);
    const usage = union.usage();
    expect(usage.inodes).toBe(quota.inodes);
    expect(usage.bytes).toBeLessThanOrEqual(quota.bytes);
    // Every object the quota counts is one the guest sees (the copied-up /lower and big.bin included): nothing stray.
    expect(snapshotUnion(union).size).toBe(quota.inodes);
  });
});

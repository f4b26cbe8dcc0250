// The chunk pool (src/layers/chunk-pool.ts): only provably dead chunk buffers
// are reused, and a reused one reads as zeros wherever nothing was written.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isFsError } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { chunkPoolStats, DEFAULT_CHUNK_POOL_LIMIT, setChunkPoolLimit, trimChunkPool } from "../../src/layers/chunk-pool.ts";
import { CHUNK_SIZE, ChunkedContent, FillSource } from "../../src/layers/chunked-content.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import * as api from "../../mod.ts";

const KiB = 1024;

/** Pool some dirty buffers: `count` full chunks of 0xAA, cut off by a truncate. */
function seedDirty(count: number, chunkSize = CHUNK_SIZE): void {
  const c = new ChunkedContent(chunkSize);
  c.write(new Uint8Array(count * chunkSize).fill(0xaa), 0);
  c.truncate(0);
}

function readAll(c: { read(into: Uint8Array, position: number): number }, size: number): Uint8Array {
  const out = new Uint8Array(size);
  expect(c.read(out, 0)).toBe(size);
  return out;
}

/** Index of the first byte of `a` that is not `want(i)`, -1 if none. */
function firstWrong(a: Uint8Array, want: (i: number) => number): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== want(i)) return i;
  return -1;
}

function expectBadf(f: () => unknown, detail: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(isFsError(err) && err.code === "EBADF", `expected EBADF, got ${String(err)}`).toBe(true);
  expect((err as Error).message).toMatch(detail);
}

const pattern = (i: number): number => (i * 7 + 3) & 0xff;
const patterned = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => pattern(i));

beforeEach(() => {
  setChunkPoolLimit(DEFAULT_CHUNK_POOL_LIMIT);
  trimChunkPool();
});
afterEach(() => {
  setChunkPoolLimit(DEFAULT_CHUNK_POOL_LIMIT);
  trimChunkPool();
});

describe("chunk pool: reuse reads as zeros", () => {
  it("a truncate pools the chunks it cuts off, and the next content reuses them", () => {
    seedDirty(4);
    expect(chunkPoolStats()).toEqual({ bytes: 4 * CHUNK_SIZE, buffers: 4, limit: DEFAULT_CHUNK_POOL_LIMIT });
    const c = new ChunkedContent();
    c.write(Uint8Array.of(1, 2), 100); // a new chunk written in its middle
    c.write(new Uint8Array(CHUNK_SIZE).fill(5), 2 * CHUNK_SIZE); // a whole chunk
    c.write(Uint8Array.of(9), 3 * CHUNK_SIZE + CHUNK_SIZE - 1); // the last byte of a chunk
    expect(chunkPoolStats().buffers).toBe(2); // chunks 2 and 3 took pooled ones (chunk 0, 102 bytes, is a slab view)
    const all = readAll(c, 4 * CHUNK_SIZE);
    expect(firstWrong(all, (i) => (i === 100 ? 1 : i === 101 ? 2 : i >= 2 * CHUNK_SIZE && i < 3 * CHUNK_SIZE ? 5 : i === 4 * CHUNK_SIZE - 1 ? 9 : 0))).toBe(-1);
  });

  it("a chunk filled from a source, then zeros, over a dirty buffer", () => {
    seedDirty(2);
    // Chunk 1 has 30000 bytes of source, then EOF: it holds [0, 100), then a write of [40000, 65536)
    // grows it into a whole (pooled, dirty) buffer: the gap is the source's bytes, then zeros.
    const size = CHUNK_SIZE + 30000;
    const c = ChunkedContent.fromSource(new FillSource(size, 0x55), size);
    c.write(new Uint8Array(100).fill(7), CHUNK_SIZE);
    c.write(new Uint8Array(CHUNK_SIZE - 40000).fill(7), CHUNK_SIZE + 40000);
    expect(chunkPoolStats().buffers).toBe(1);
    const all = readAll(c, 2 * CHUNK_SIZE);
    const at = (i: number) => i - CHUNK_SIZE;
    expect(firstWrong(all, (i) => (i < CHUNK_SIZE ? 0x55 : at(i) < 100 ? 7 : at(i) < 30000 ? 0x55 : at(i) < 40000 ? 0 : 7))).toBe(-1);
  });

  it("a chunk growing into a dirty buffer keeps its bytes and reads zeros in the gap", () => {
    seedDirty(3, 8 * KiB); // three dirty 8 KiB buffers
    const c = new ChunkedContent();
    c.write(Uint8Array.of(1, 2, 3, 4), 0); // a small slab chunk
    c.write(Uint8Array.of(6), 8 * KiB - 1); // grows to 8 KiB: a pooled buffer
    expect(chunkPoolStats().buffers).toBe(2);
    expect(firstWrong(readAll(c, 8 * KiB), (i) => (i < 4 ? i + 1 : i === 8 * KiB - 1 ? 6 : 0))).toBe(-1);
    // Growing again (16 KiB, fresh) hands the 8 KiB buffer back; a truncate below keeps the tail zero.
    c.write(Uint8Array.of(8), 12 * KiB);
    expect(chunkPoolStats().buffers).toBe(3);
    c.truncate(2);
    c.truncate(16 * KiB);
    expect(firstWrong(readAll(c, 16 * KiB), (i) => (i < 2 ? i + 1 : 0))).toBe(-1);
  });

  it("the bound: setChunkPoolLimit caps what is kept, 0 turns pooling off, trimChunkPool hands memory back", () => {
    setChunkPoolLimit(2 * CHUNK_SIZE);
    seedDirty(5);
    expect(chunkPoolStats()).toEqual({ bytes: 2 * CHUNK_SIZE, buffers: 2, limit: 2 * CHUNK_SIZE });
    expect(trimChunkPool(CHUNK_SIZE)).toBe(CHUNK_SIZE);
    expect(trimChunkPool()).toBe(CHUNK_SIZE);
    expect(chunkPoolStats().bytes).toBe(0);
    setChunkPoolLimit(0);
    seedDirty(2);
    expect(chunkPoolStats().bytes).toBe(0);
    expect(() => setChunkPoolLimit(-1)).toThrow(/EINVAL.*limit/);
    expect(() => setChunkPoolLimit(1.5)).toThrow(/EINVAL/);
    expect(() => trimChunkPool(-1)).toThrow(/EINVAL/);
    // The public entry exports them.
    expect(api.setChunkPoolLimit).toBe(setChunkPoolLimit);
    expect(api.trimChunkPool).toBe(trimChunkPool);
    expect(api.chunkPoolStats).toBe(chunkPoolStats);
  });
});

describe("chunk pool: only dead chunks", () => {
  it("never pools views of the caller's bytes (fromBytes without copy) nor small-slab chunks", () => {
    const data = patterned(3 * CHUNK_SIZE);
    const c = ChunkedContent.fromBytes(data, false);
    const whole = patterned(CHUNK_SIZE); // exactly one chunk: the chunk is the caller's whole buffer
    const one = ChunkedContent.fromBytes(whole, false);
    const small = new ChunkedContent();
    small.write(new Uint8Array(4 * KiB).fill(1), 0);
    expect(c.release() && one.release() && small.release()).toBe(true);
    expect(chunkPoolStats().bytes).toBe(0);
    seedDirty(1);
    const fresh = new ChunkedContent();
    fresh.write(new Uint8Array(CHUNK_SIZE).fill(0xee), 0);
    expect(firstWrong(data, pattern)).toBe(-1);
    expect(firstWrong(whole, pattern)).toBe(-1);
  });

  it("an unlinked file's chunks are pooled once no handle is open; an open handle keeps its data", () => {
    const layer = new MemoryLayer();
    const fs = new Union(new Image([]), layer);
    fs.writeFile("/kept", patterned(3 * CHUNK_SIZE));
    fs.writeFile("/gone", patterned(2 * CHUNK_SIZE));
    const h = fs.open("/kept", "r");
    fs.unlink("/kept");
    fs.unlink("/gone");
    expect(chunkPoolStats().bytes).toBe(2 * CHUNK_SIZE); // /gone only
    // Other writes (reusing and dirtying pooled buffers) never touch the open file's chunks.
    fs.writeFile("/other", new Uint8Array(4 * CHUNK_SIZE).fill(0xee));
    fs.truncate("/other", 0);
    fs.writeFile("/again", new Uint8Array(4 * CHUNK_SIZE).fill(0xdd));
    const got = new Uint8Array(3 * CHUNK_SIZE);
    expect(h.read(got, 0)).toBe(got.length);
    expect(firstWrong(got, pattern)).toBe(-1);
    const before = chunkPoolStats().bytes;
    h.close();
    expect(chunkPoolStats().bytes).toBe(before + 3 * CHUNK_SIZE);
  });

  it("O_TRUNC, a truncate and a rename over a file pool what they drop; a hard link keeps it", () => {
    const fs = new Union(new Image([]), new MemoryLayer());
    fs.writeFile("/a", patterned(2 * CHUNK_SIZE));
    fs.writeFile("/a", "short"); // O_TRUNC
    expect(chunkPoolStats().bytes).toBe(2 * CHUNK_SIZE);
    trimChunkPool();
    fs.writeFile("/b", patterned(2 * CHUNK_SIZE));
    fs.link("/b", "/b2");
    fs.writeFile("/c", "c");
    fs.rename("/c", "/b"); // /b's object lives on as /b2
    expect(chunkPoolStats().bytes).toBe(0);
    fs.writeFile("/d", "d");
    fs.rename("/d", "/b2"); // its last name: dead
    expect(chunkPoolStats().bytes).toBe(2 * CHUNK_SIZE);
    expect(fs.readFile("/b", "utf8")).toBe("c");
    expect(fs.readFile("/b2", "utf8")).toBe("d");
  });

  it("a fork's frozen upper is never recycled: unlink, reset and dispose on either side leave the snapshot intact", () => {
    const parent = new Union(new Image([]), new MemoryLayer());
    parent.writeFile("/snap", patterned(4 * CHUNK_SIZE));
    const h = parent.open("/snap", "r+"); // an open writer is carried over by the fork
    const child = parent.fork();
    const frozen = parent.image.layers[parent.image.layers.length - 1] as MemoryLayer;
    expect(frozen.frozen).toBe(true);
    h.write(new Uint8Array(CHUNK_SIZE).fill(1), 0); // into the parent's copy-up
    h.close();
    parent.unlink("/snap");
    child.writeFile("/snap", "x", { flag: "r+" }); // copy-up by reference in the child, then drop it
    child.unlink("/snap");
    child.reset();
    frozen.dispose(); // a frozen layer is left alone
    expect(frozen.disposed).toBe(false);
    parent.dispose();
    child.dispose();
    // Dirty and reuse whatever was pooled.
    const scratch = new Union(new Image([]), new MemoryLayer());
    scratch.writeFile("/x", new Uint8Array(8 * CHUNK_SIZE).fill(0xee));
    scratch.truncate("/x", 0);
    scratch.writeFile("/y", new Uint8Array(8 * CHUNK_SIZE).fill(0xdd));
    const again = new Union(new Image([frozen]), new MemoryLayer());
    expect(firstWrong(again.readFile("/snap") as Uint8Array, pattern)).toBe(-1);
  });

  it("a lower's content referenced by an upper's copy-up is never released, even if the lower is edited", () => {
    const lower = new MemoryLayer(); // not frozen: editing it while mounted is unsupported (rule 18), never garbage
    const seed = new Union(new Image([]), lower);
    seed.writeFile("/f", patterned(2 * CHUNK_SIZE));
    const fs = new Union(new Image([lower]), new MemoryLayer());
    fs.writeFile("/f", "Z", { flag: "r+" }); // copy-up by reference, one byte written
    lower.unlink("f");
    expect(chunkPoolStats().bytes).toBe(0);
    seedDirty(4);
    fs.writeFile("/g", new Uint8Array(4 * CHUNK_SIZE).fill(0xee));
    const got = fs.readFile("/f") as Uint8Array;
    expect(got[0]).toBe(0x5a);
    expect(firstWrong(got.subarray(1), (i) => pattern(i + 1))).toBe(-1);
  });
});

describe("dispose", () => {
  it("Union.dispose pools the memory upper's chunks and refuses every later call with EBADF", () => {
    const upper = new MemoryLayer();
    const fs = new Union(new Image([MemoryLayer.from({ "etc/hostname": "box\n" }, { freeze: true })]), upper);
    fs.writeFile("/big", new Uint8Array(3 * CHUNK_SIZE).fill(3));
    fs.writeFile("/etc/hostname", "changed\n");
    const h = fs.open("/big", "r");
    expect(fs.disposed).toBe(false);
    fs.dispose();
    expect(fs.disposed).toBe(true);
    expect(upper.disposed).toBe(true);
    expect(chunkPoolStats().bytes).toBe(3 * CHUNK_SIZE);
    expectBadf(() => fs.stat("/big"), /the union was disposed/);
    expectBadf(() => fs.writeFile("/n", "x"), /the union was disposed/);
    expectBadf(() => fs.readdir("/"), /the union was disposed/);
    expectBadf(() => fs.changes(), /the union was disposed/);
    expectBadf(() => fs.fork(), /the union was disposed/);
    expectBadf(() => fs.reset(), /the union was disposed/);
    expectBadf(() => fs.usage(), /the union was disposed/);
    expectBadf(() => fs.upper, /the union was disposed/);
    expectBadf(() => h.read(new Uint8Array(4), 0), /memory layer was disposed/);
    expectBadf(() => h.stat(), /memory layer was disposed/);
    expectBadf(() => upper.stat("big"), /memory layer was disposed/);
    expectBadf(() => upper.createFile("n", { mode: 0o644 }), /memory layer was disposed/);
    expectBadf(() => upper.successor(), /memory layer was disposed/);
    h.close();
    fs.close(); // still fine, as is a second dispose
    fs.dispose();
    fs[Symbol.dispose]();
    expect(chunkPoolStats().bytes).toBe(3 * CHUNK_SIZE);
  });

  it("MemoryLayer[Symbol.dispose] is dispose; a file another layer references survives it", () => {
    const layer = new MemoryLayer();
    const u = new Union(new Image([]), layer);
    u.writeFile("/ref", patterned(2 * CHUNK_SIZE));
    u.writeFile("/own", new Uint8Array(CHUNK_SIZE).fill(1));
    const other = new MemoryLayer();
    other.createFileFrom("copy", layer.open("ref"), { mode: 0o644 }); // references ref's content
    layer[Symbol.dispose]();
    expect(layer.disposed).toBe(true);
    expect(chunkPoolStats().bytes).toBe(CHUNK_SIZE); // /own only
    seedDirty(2);
    new ChunkedContent().write(new Uint8Array(3 * CHUNK_SIZE).fill(0xee), 0);
    expect(firstWrong(readAll(other.open("copy"), 2 * CHUNK_SIZE), pattern)).toBe(-1);
  });
});

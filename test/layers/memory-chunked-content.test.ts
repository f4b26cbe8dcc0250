import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CHUNK_SIZE, ChunkedContent, FillSource } from "../../src/layers/chunked-content.ts";
import type { ContentSource } from "../../src/layers/chunked-content.ts";
import { isFsError } from "../../src/core/errno.ts";

const MiB = 2 ** 20;

/** A source that counts the bytes read from it. */
function countingSource(inner: ContentSource): ContentSource & { bytesRead: number; calls: number } {
  const s = {
    bytesRead: 0,
    calls: 0,
    read(into: Uint8Array, position: number): number {
      const n = inner.read(into, position);
      s.bytesRead += n;
      s.calls++;
      return n;
    },
  };
  return s;
}

function patternBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Index of the first differing byte, -1 if equal (fast, unlike deep equality on big arrays). */
function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function read(c: ChunkedContent, position: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const n = c.read(out, position);
  return out.subarray(0, n);
}

describe("ChunkedContent", () => {
  it("writing 4 KiB into the middle of a referenced 256 MiB file stores 4 KiB and reads nothing", () => {
    const src = countingSource(new FillSource(256 * MiB, 0xab));
    const c = ChunkedContent.fromSource(src, 256 * MiB);
    expect(c.usage()).toEqual({ size: 256 * MiB, chunks: 0, bytes: 0, referencesSource: true });
    const at = 128 * MiB + 1000;
    c.write(new Uint8Array(4096).fill(1), at);
    const u = c.usage();
    expect(u.chunks).toBe(1);
    expect(u.bytes).toBe(4096);
    expect(u.size).toBe(256 * MiB);
    expect(src.bytesRead).toBe(0); // the rest of the chunk still reads through
    expect(read(c, at - 2, 4)).toEqual(Uint8Array.of(0xab, 0xab, 1, 1));
    expect(read(c, at + 4094, 4)).toEqual(Uint8Array.of(1, 1, 0xab, 0xab));
  });

  it("a write spanning a chunk boundary allocates exactly the two chunks it touches", () => {
    const c = ChunkedContent.fromSource(new FillSource(10 * CHUNK_SIZE, 9), 10 * CHUNK_SIZE);
    c.write(new Uint8Array(100).fill(2), 3 * CHUNK_SIZE - 50);
    expect(c.usage().chunks).toBe(2);
    expect(read(c, 3 * CHUNK_SIZE - 51, 102)).toEqual(Uint8Array.from([9, ...new Array(100).fill(2), 9]));
  });

  it("reads of untouched ranges read through to the source", () => {
    const data = patternBytes(5 * CHUNK_SIZE + 123);
    const c = ChunkedContent.fromSource(countingSource({
      read(into, pos) {
        const n = Math.max(0, Math.min(into.length, data.length - pos));
        into.set(data.subarray(pos, pos + n));
        return n;
      },
    }), data.length);
    c.write(Uint8Array.of(7, 7, 7), 2 * CHUNK_SIZE + 5);
    const expected = data.slice();
    expected.set([7, 7, 7], 2 * CHUNK_SIZE + 5);
    expect(firstDiff(c.toBytes(), expected)).toBe(-1);
    expect(firstDiff(read(c, 5 * CHUNK_SIZE, 1000), expected.subarray(5 * CHUNK_SIZE))).toBe(-1);
  });

  it("writing far past EOF does not allocate the gap, which reads as zeros", () => {
    const c = new ChunkedContent();
    c.write(Uint8Array.of(1, 2, 3), 0);
    c.write(Uint8Array.of(9), 2 ** 40); // 1 TiB
    expect(c.size).toBe(2 ** 40 + 1);
    expect(c.usage().chunks).toBe(2);
    expect(c.usage().bytes).toBeLessThan(100);
    expect(read(c, 0, 5)).toEqual(Uint8Array.of(1, 2, 3, 0, 0));
    expect(read(c, 2 ** 40 - 2, 10)).toEqual(Uint8Array.of(0, 0, 9));
    expect(read(c, 2 ** 39, 4)).toEqual(new Uint8Array(4));
  });

  it("truncate below the source size then growing reads zeros, not the old source bytes", () => {
    const c = ChunkedContent.fromSource(new FillSource(3 * CHUNK_SIZE, 5), 3 * CHUNK_SIZE);
    c.truncate(100);
    expect(c.usage().referencesSource).toBe(true);
    c.truncate(2 * CHUNK_SIZE);
    expect(read(c, 98, 4)).toEqual(Uint8Array.of(5, 5, 0, 0));
    expect(read(c, CHUNK_SIZE + 7, 2)).toEqual(Uint8Array.of(0, 0));
    c.truncate(0);
    expect(c.usage().referencesSource).toBe(false);
  });

  it("truncate inside a local chunk zeroes its tail for later growth", () => {
    const c = new ChunkedContent();
    c.write(new Uint8Array(1000).fill(4), 0);
    c.truncate(10);
    c.truncate(20);
    expect(read(c, 8, 20)).toEqual(Uint8Array.of(4, 4, ...new Array(10).fill(0)));
    c.write(Uint8Array.of(1), 30);
    expect(read(c, 19, 12)).toEqual(Uint8Array.of(...new Array(11).fill(0), 1));
  });

  it("truncate drops the chunks past the new size", () => {
    const c = new ChunkedContent();
    c.write(new Uint8Array(5 * CHUNK_SIZE).fill(1), 0);
    expect(c.usage().chunks).toBe(5);
    c.truncate(CHUNK_SIZE + 1);
    expect(c.usage().chunks).toBe(2);
    c.truncate(CHUNK_SIZE);
    expect(c.usage().chunks).toBe(1);
  });

  it("sequential small appends grow chunk buffers by doubling, never beyond the chunk size", () => {
    const c = new ChunkedContent();
    const block = patternBytes(4096);
    for (let i = 0; i < 64; i++) c.write(block, i * 4096);
    const u = c.usage();
    expect(u.size).toBe(64 * 4096);
    expect(u.chunks).toBe(4);
    expect(u.bytes).toBe(4 * CHUNK_SIZE);
    const all = c.toBytes();
    for (let i = 0; i < 64; i++) expect(firstDiff(all.subarray(i * 4096, (i + 1) * 4096), block)).toBe(-1);
  });

  it("small files stay small", () => {
    const c = ChunkedContent.fromBytes(new TextEncoder().encode("hello"));
    expect(c.usage()).toMatchObject({ size: 5, chunks: 1, bytes: 5 });
  });

  it("fromBytes splits data into chunks and copies unless asked not to", () => {
    const data = patternBytes(3 * CHUNK_SIZE + 10);
    const copied = ChunkedContent.fromBytes(data);
    const viewed = ChunkedContent.fromBytes(data, false);
    expect(copied.usage().chunks).toBe(4);
    data[0] ^= 0xff;
    expect(copied.toBytes()[0]).toBe(data[0]! ^ 0xff);
    expect(viewed.toBytes()[0]).toBe(data[0]);
  });

  it("a fully overwritten source is dropped", () => {
    const c = ChunkedContent.fromSource(new FillSource(2 * CHUNK_SIZE + 1, 3), 2 * CHUNK_SIZE + 1);
    c.write(new Uint8Array(2 * CHUNK_SIZE + 1), 0);
    expect(c.usage().referencesSource).toBe(false);
    expect(firstDiff(c.toBytes(), new Uint8Array(2 * CHUNK_SIZE + 1))).toBe(-1);
  });

  it("a run of absent chunks is read from the source in one call", () => {
    const src = countingSource(new FillSource(16 * CHUNK_SIZE, 1));
    const c = ChunkedContent.fromSource(src, 16 * CHUNK_SIZE);
    const out = new Uint8Array(16 * CHUNK_SIZE);
    expect(c.read(out, 0)).toBe(out.length);
    expect(src.calls).toBe(1);
  });

  it("a source shorter than announced reads as zeros beyond its end", () => {
    const c = ChunkedContent.fromSource(new FillSource(10, 6), 20);
    expect(read(c, 8, 4)).toEqual(Uint8Array.of(6, 6, 0, 0));
    c.write(Uint8Array.of(1), 15);
    expect(read(c, 8, 12)).toEqual(Uint8Array.of(6, 6, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0));
  });

  it("rejects negative and non-integer positions with EINVAL", () => {
    const c = new ChunkedContent();
    for (const bad of [-1, 0.5, Number.NaN]) {
      let err: unknown;
      try {
        c.read(new Uint8Array(1), bad);
      } catch (e) {
        err = e;
      }
      expect(isFsError(err) && err.code).toBe("EINVAL");
    }
    expect(() => c.truncate(-1)).toThrow(/EINVAL/);
    expect(() => c.write(Uint8Array.of(1), Number.MAX_SAFE_INTEGER)).toThrow(/EFBIG/);
  });

  it("a write over a source makes local only what it writes, reading the source only for a gap to what its chunk holds", () => {
    const reads: Array<[number, number]> = [];
    const fill = new FillSource(4 * CHUNK_SIZE, Uint8Array.of(1, 2, 3, 4, 5, 6, 7));
    const source = { read: (into: Uint8Array, position: number) => { reads.push([position, into.length]); return fill.read(into, position); } };
    const c = ChunkedContent.fromSource(source, 4 * CHUNK_SIZE);
    const want = new Uint8Array(4 * CHUNK_SIZE);
    fill.read(want, 0);
    const put = (data: Uint8Array, at: number) => { c.write(data, at); want.set(data, at); };
    put(new Uint8Array(4096).fill(0xaa), 2 * CHUNK_SIZE); // at a chunk's start: nothing read
    expect(reads).toEqual([]);
    expect(c.usage()).toMatchObject({ chunks: 1, bytes: 4096, referencesSource: true });
    put(new Uint8Array(100).fill(0xbb), CHUNK_SIZE + 1000); // mid-chunk: nothing read either
    expect(reads).toEqual([]);
    put(new Uint8Array(50).fill(0xdd), CHUNK_SIZE + 500); // before what the chunk holds: the gap [550, 1000) is read
    expect(reads).toEqual([[CHUNK_SIZE + 550, 450]]);
    reads.length = 0;
    put(new Uint8Array(10).fill(0xcc), 2 * CHUNK_SIZE + 20_000); // past what the chunk holds: the gap [4096, 20000)
    expect(reads).toEqual([[2 * CHUNK_SIZE + 4096, 20_000 - 4096]]);
    expect(c.usage().bytes).toBe(600 + 20_010);
    expect(read(c, 0, 4 * CHUNK_SIZE)).toEqual(want);
    // Shrinking cuts the source off for good: growing again reads zeros, also past a short chunk.
    c.truncate(CHUNK_SIZE + 2000);
    c.truncate(3 * CHUNK_SIZE);
    want.fill(0, CHUNK_SIZE + 2000);
    expect(read(c, 0, 3 * CHUNK_SIZE)).toEqual(want.subarray(0, 3 * CHUNK_SIZE));
  });

  it("a smaller chunk size works the same way", () => {
    const c = ChunkedContent.fromSource(new FillSource(100, 8), 100, 16);
    c.write(Uint8Array.of(1, 1), 31);
    expect(c.usage().chunks).toBe(2);
    expect(c.usage().bytes).toBe(2); // the two bytes written (one in each chunk): the rest reads through
    expect(read(c, 29, 5)).toEqual(Uint8Array.of(8, 8, 1, 1, 8));
    expect(() => new ChunkedContent(1000)).toThrow(/EINVAL/);
  });

  it("FillSource repeats a pattern from any offset", () => {
    const s = new FillSource(10, Uint8Array.of(1, 2, 3));
    const out = new Uint8Array(6);
    expect(s.read(out, 5)).toBe(5);
    expect(out).toEqual(Uint8Array.of(3, 1, 2, 3, 1, 0));
  });
});

describe("ChunkedContent over a source, against a plain buffer (random writes, truncates, reads)", () => {
  it("reads what a plain buffer holds after any sequence of operations", () => {
    const cs = 64;
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.constantFrom("write", "truncate", "read"), fc.nat(5 * cs), fc.nat(2 * cs)), { maxLength: 40 }),
      (ops) => {
        const src = new FillSource(3 * cs + 7, Uint8Array.of(1, 2, 3, 4, 5));
        const c = ChunkedContent.fromSource(src, 3 * cs + 7, cs);
        let model = new Uint8Array(3 * cs + 7);
        src.read(model, 0);
        let stamp = 10;
        for (const [op, a, b] of ops) {
          if (op === "write") {
            const data = new Uint8Array(b).fill(stamp++ & 0xff);
            c.write(data, a);
            if (b === 0) continue; // an empty write changes nothing, not even the size
            if (a + b > model.length) { const m = new Uint8Array(a + b); m.set(model); model = m; }
            model.set(data, a);
          } else if (op === "truncate") {
            c.truncate(a);
            const m = new Uint8Array(a);
            m.set(model.subarray(0, Math.min(a, model.length)));
            model = m;
          } else {
            expect(read(c, a, b)).toEqual(model.slice(a, Math.max(a, Math.min(a + b, model.length))));
          }
          expect(c.size).toBe(model.length);
        }
        expect(read(c, 0, model.length)).toEqual(model);
        expect(c.usage().bytes).toBeLessThanOrEqual(Math.ceil(model.length / cs) * cs);
      },
    ), { numRuns: 300 });
  });
});

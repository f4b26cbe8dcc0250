// ReadAhead (src/layers/read-ahead.ts): small sequential reads of unchanging
// content from one host read per READ_AHEAD_BYTES, everything else straight
// through, with a bounded process-wide set of buffers.
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { FIRST_WINDOW, MAX_BUFFERS, READ_AHEAD_BYTES, ReadAhead, SMALL_READ, readAheadStats } from "../../src/layers/read-ahead.ts";
import { MemorySource, TarLayer } from "../../src/mod.ts";
import type { ByteSource } from "../../src/mod.ts";
import { sequentialReads } from "../support/read-ahead.ts";
import { rawEntry, tar } from "./tar-builder.ts";

/** Content of `size` bytes and a fill over it that records each call as [position, length]. */
function source(size: number) {
  const content = new Uint8Array(size).map((_, i) => (i * 131 + (i >> 8)) & 255);
  const calls: [number, number][] = [];
  const fill = (into: Uint8Array, position: number): number => {
    calls.push([position, into.length]);
    const n = Math.max(0, Math.min(into.length, size - position));
    into.set(content.subarray(position, position + n));
    return n;
  };
  return { content, calls, fill };
}

const open: ReadAhead[] = [];
function reader(fill: (into: Uint8Array, position: number) => number): ReadAhead {
  const r = new ReadAhead({ read: fill });
  open.push(r);
  return r;
}
afterEach(() => {
  for (const r of open.splice(0)) r.release();
});

describe("ReadAhead", () => {
  it("serves small sequential reads from fills of a window growing to READ_AHEAD_BYTES", () => {
    const size = 3 * READ_AHEAD_BYTES + 100;
    const { content, calls, fill } = source(size);
    const r = reader(fill);
    const into = new Uint8Array(1024);
    let pos = 0;
    for (;;) {
      const n = r.read(into, pos);
      expect(into.subarray(0, n)).toEqual(content.subarray(pos, pos + n));
      if (n < into.length) break;
      pos += n;
    }
    expect(pos + into.length).toBeGreaterThan(size);
    // The first two reads go straight through (not a stream yet), then a fill each time
    // the buffer runs out, of 4, 8, 16, 32, then 64 KiB, the last one short (EOF).
    const K = 1024;
    expect(calls).toEqual([[0, K], [K, K], [2 * K, 4 * K], [6 * K, 8 * K], [14 * K, 16 * K], [30 * K, 32 * K], [62 * K, 64 * K], [126 * K, 64 * K], [190 * K, 64 * K]]);
    expect(calls.length).toBe(sequentialReads(size, K));
    // At EOF the buffer answers: no host call.
    expect(r.read(into, size)).toBe(0);
    expect(r.read(into, size + 5000)).toBe(0);
    expect(calls.length).toBe(9);
  });

  it("sends large reads and small random reads straight through", () => {
    const { content, calls, fill } = source(4 * READ_AHEAD_BYTES);
    const r = reader(fill);
    const big = new Uint8Array(SMALL_READ);
    expect(r.read(big, 0)).toBe(SMALL_READ);
    expect(r.read(big, SMALL_READ)).toBe(SMALL_READ);
    const small = new Uint8Array(100);
    for (const at of [70_000, 5, 200_000, 12_345]) {
      expect(r.read(small, at)).toBe(100);
      expect(small).toEqual(content.subarray(at, at + 100));
    }
    expect(calls).toEqual([[0, SMALL_READ], [SMALL_READ, SMALL_READ], [70_000, 100], [5, 100], [200_000, 100], [12_345, 100]]);
    expect(readAheadStats().inUse).toBe(0);
  });

  it("a read running past the buffer takes the rest from the next fill", () => {
    const { content, fill } = source(2 * READ_AHEAD_BYTES);
    const r = reader(fill);
    const into = new Uint8Array(3000);
    r.read(into, 0);
    r.read(into, 3000);
    r.read(into, 6000); // fills [6000, 12000): two pieces
    const at = 11_000;
    expect(r.read(into, at)).toBe(3000);
    expect(into).toEqual(content.subarray(at, at + 3000));
  });

  it("a window grown for small reads still fills a larger read that follows", () => {
    const { content, fill } = source(2 * READ_AHEAD_BYTES);
    const r = reader(fill);
    const small = new Uint8Array(1000);
    for (let at = 0; at < 6000; at += 1000) r.read(small, at); // the third one fills [2000, 2000 + FIRST_WINDOW)
    const large = new Uint8Array(SMALL_READ - 1);
    const at = 6000; // the rest of the buffer, then a fill that must cover all the rest of `large`
    expect(r.read(large, at)).toBe(large.length);
    expect(large.every((b, i) => b === content[at + i])).toBe(true);
  });

  it("a fill that throws leaves nothing behind to serve", () => {
    const { content, fill } = source(2 * READ_AHEAD_BYTES);
    let fail = false;
    const r = reader((into, position) => {
      if (fail) {
        into.fill(0xee); // half-written, then the host fails
        throw new Error("EIO");
      }
      return fill(into, position);
    });
    const into = new Uint8Array(512);
    const next = 1024 + FIRST_WINDOW;
    for (let at = 0; at < next; at += 512) r.read(into, at); // the third read fills [1024, next)
    fail = true; // the next read refills the buffer, and fails half way
    expect(() => r.read(into, next)).toThrow("EIO");
    fail = false;
    // The range the buffer held before: gone (the same buffer was being refilled).
    expect(r.read(into, 2048)).toBe(512);
    expect(into).toEqual(content.subarray(2048, 2560));
    // Where the failed fill was: read again, not the half-written buffer.
    expect(r.read(into, next)).toBe(512);
    expect(into).toEqual(content.subarray(next, next + 512));
  });

  it("after forget() nothing read ahead before is served", () => {
    const { content, calls, fill } = source(2 * READ_AHEAD_BYTES);
    const r = reader(fill);
    const into = new Uint8Array(100);
    r.read(into, 0);
    r.read(into, 100);
    r.read(into, 200); // reads ahead [200, 200 + FIRST_WINDOW)
    content.fill(9, 300, 400); // the content changes (as a host upper's write would), then the owner says so
    r.read(into, 300);
    expect(into.every((x) => x === 9)).toBe(false); // still the old bytes: nobody said
    r.forget();
    const before = calls.length;
    expect(r.read(into, 300)).toBe(100);
    expect(into.every((x) => x === 9)).toBe(true);
    expect(calls.length).toBe(before + 1);
  });

  it("holds at most MAX_BUFFERS buffers, taking over the least recently used one", () => {
    const n = MAX_BUFFERS + 4;
    const srcs = Array.from({ length: n }, () => source(2 * READ_AHEAD_BYTES));
    const rs = srcs.map((s) => reader(s.fill));
    const into = new Uint8Array(256);
    for (const r of rs) { r.read(into, 0); r.read(into, 256); r.read(into, 512); }
    expect(readAheadStats().inUse).toBe(MAX_BUFFERS);
    // The first readers lost their buffers to the last ones: they read from the host again, correctly
    // (the last ones first: the first ones take buffers over again as they read).
    for (const k of [...Array.from({ length: n - 4 }, (_, i) => i + 4), 0, 1, 2, 3]) {
      const before = srcs[k]!.calls.length;
      expect(rs[k]!.read(into, 768)).toBe(256);
      expect(into).toEqual(srcs[k]!.content.subarray(768, 1024));
      expect(srcs[k]!.calls.length - before).toBe(k < 4 ? 1 : 0);
    }
    expect(readAheadStats().inUse).toBe(MAX_BUFFERS);
    for (const r of rs) r.release();
    expect(readAheadStats()).toEqual({ inUse: 0, free: MAX_BUFFERS });
  });

  it("any sequence of reads, by more readers than there are buffers, gives the content's bytes", () => {
    const size = 3 * READ_AHEAD_BYTES + 777;
    const { content, fill } = source(size);
    const readers = MAX_BUFFERS + 3; // some take buffers over from others
    const read = fc.record({
      who: fc.nat(readers - 1), seq: fc.boolean(), at: fc.nat(size + 100),
      len: fc.oneof(fc.nat(64), fc.nat(8192), fc.nat(3 * SMALL_READ)),
    });
    fc.assert(fc.property(fc.array(read, { maxLength: 80 }), (reads) => {
      const rs = Array.from({ length: readers }, () => new ReadAhead({ read: fill }));
      const pos = new Array<number>(readers).fill(0);
      try {
        for (const { who, seq, at, len } of reads) {
          const p = seq ? pos[who]! : at;
          const into = new Uint8Array(len);
          const n = rs[who]!.read(into, p);
          const want = content.subarray(Math.min(p, size), Math.min(p + len, size));
          expect(n).toBe(want.length);
          expect(want.every((b, i) => into[i] === b)).toBe(true);
          pos[who] = p + n;
        }
      } finally {
        for (const r of rs) r.release();
      }
    }), { numRuns: 100 });
  });
});

describe("TarLayer reads ahead when its source preads", () => {
  const size = 2 * READ_AHEAD_BYTES + 300;
  const data = new Uint8Array(size).map((_, i) => (i * 13 + (i >> 9)) & 255);
  const bytes = tar(rawEntry({ name: "before", data: "x".repeat(700) }), rawEntry({ name: "big", data }), rawEntry({ name: "after", data: "y".repeat(900) }));
  /** The tar as a source that counts its reads; `inMemory`: it also offers views. */
  function counting(inMemory: boolean): { source: ByteSource; reads: () => number } {
    const mem = new MemorySource(bytes);
    let reads = 0;
    const read = (into: Uint8Array, position: number) => { reads++; return mem.read(into, position); };
    const source: ByteSource = inMemory ? { size: mem.size, read, view: (p, l) => mem.view(p, l) } : { size: mem.size, read };
    return { source, reads: () => reads };
  }
  /** Read "big" in 1000-byte pieces from a TarLayer over the counting source: the source reads it took. */
  function readInPieces(inMemory: boolean): number {
    const { source, reads } = counting(inMemory);
    const layer = new TarLayer(source);
    expect(layer.inMemory).toBe(inMemory);
    const before = reads();
    const f = layer.open("big");
    const out = new Uint8Array(size + 1000);
    const piece = new Uint8Array(1000);
    let pos = 0;
    for (let n; (n = f.read(piece, pos)) > 0; pos += n) out.set(piece.subarray(0, n), pos);
    f.close();
    expect(pos).toBe(size);
    expect(out.subarray(0, pos).every((b, k) => b === data[k])).toBe(true);
    return reads() - before;
  }

  it("from a pread source: one source read per window, never past the member", () => {
    // The first piece, then windows up to READ_AHEAD_BYTES, clamped at the member's end (no read at EOF).
    expect(readInPieces(false)).toBe(sequentialReads(size, 1000));
    expect(readAheadStats().inUse).toBe(0); // closing gave the buffer back
  });

  it("from memory: a copy per read, nothing read ahead", () => {
    expect(readInPieces(true)).toBe(Math.ceil(size / 1000));
  });
});

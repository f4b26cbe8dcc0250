import { GuestMemory } from "../../src/wasi/guest-memory.ts";
import { describe, expect, it } from "vitest";
import {
  DIRENT_SIZE, EVENT_SIZE, FDSTAT_SIZE, FILESTAT_SIZE, PREVIEW1_FUNCTIONS, SUBSCRIPTION_SIZE,
  readDirentHeader, readEvent, readFdstat, readFilestat, readIovecs, readSubscription, writeDirentHeader,
  writeDirentNumbers, writeEvent, writeFdstat, writeFilestatWords,
  writeFilestat, writePrestat, writeSubscriptionClock, writeSubscriptionFd,
} from "../../src/wasi/abi.ts";

const dv = (n = 256) => new DataView(new ArrayBuffer(n));

describe("abi struct layouts", () => {
  it("filestat is 64 bytes with the times at 40, 48 and 56", () => {
    const v = dv();
    writeFilestat(v, 8, { dev: 1n, ino: 2n, filetype: 4, nlink: 3n, size: 0x1122334455n, atim: 7n, mtim: 8n, ctim: 9n });
    expect(FILESTAT_SIZE).toBe(64);
    expect(v.getBigUint64(8 + 0, true)).toBe(1n);
    expect(v.getBigUint64(8 + 8, true)).toBe(2n);
    expect(v.getUint8(8 + 16)).toBe(4);
    expect(v.getBigUint64(8 + 24, true)).toBe(3n);
    expect(v.getBigUint64(8 + 32, true)).toBe(0x1122334455n);
    expect(v.getBigUint64(8 + 40, true)).toBe(7n);
    expect(v.getBigUint64(8 + 48, true)).toBe(8n);
    expect(v.getBigUint64(8 + 56, true)).toBe(9n);
    expect(readFilestat(v, 8).size).toBe(0x1122334455n);
  });

  it("filestat writes nothing when it would not fit (RangeError first)", () => {
    const v = dv(70);
    expect(() => writeFilestat(v, 10, { dev: 1n, ino: 1n, filetype: 4, nlink: 1n, size: 1n, atim: 1n, mtim: 1n, ctim: 1n })).toThrow(RangeError);
    expect(new Uint8Array(v.buffer).every((b) => b === 0)).toBe(true);
  });

  it("fdstat is 24 bytes: filetype @0, flags u16 @2, rights @8 and @16", () => {
    const v = dv();
    writeFdstat(v, 0, { filetype: 3, flags: 0x11, rightsBase: 0x1fffffffn, rightsInheriting: 5n });
    expect(FDSTAT_SIZE).toBe(24);
    expect(v.getUint8(0)).toBe(3);
    expect(v.getUint16(2, true)).toBe(0x11);
    expect(v.getBigUint64(8, true)).toBe(0x1fffffffn);
    expect(v.getBigUint64(16, true)).toBe(5n);
    expect(readFdstat(v, 0)).toEqual({ filetype: 3, flags: 0x11, rightsBase: 0x1fffffffn, rightsInheriting: 5n });
  });

  it("a filestat written through word views is the DataView one byte for byte, above 2**32 and 2**53 too", () => {
    const buf = new ArrayBuffer(256);
    const [u32, u64, view] = [new Uint32Array(buf), new BigUint64Array(buf), new DataView(buf)];
    const ref = dv();
    const max = 2n ** 64n - 1n;
    // [dev, ino, filetype, nlink, size, atim, mtim, ctim]
    const cases: [number, number, number, number, number, bigint, bigint, bigint][] = [
      [1, 2, 4, 3, 0x1122334455, 7n, 8n, 9n],
      [2 ** 32 - 1, 2 ** 32 + 5, 3, 2 ** 31, 2 ** 53 - 1, 1_765_000_000_123_456_789n, 0n, max],
      [2 ** 53 + 2, 2 ** 63 + 2 ** 11, 7, 0, 2 ** 60, max - 1n, 2n ** 63n, 2n ** 32n],
      [5, 6, 4, 1, 0, -1n, -1_000_000_000n, max + 2n], // times before 1970 and past 2**64 wrap as setBigUint64 does
    ];
    for (const [dev, ino, ft, nlink, size, a, m, c] of cases) {
      for (const at of [0, 8, 192]) {
        new Uint8Array(buf).fill(0xff);
        new Uint8Array(ref.buffer).fill(0xff);
        writeFilestatWords(u32, u64, at, dev, ino, ft, nlink, size, a, m, c);
        writeFilestat(ref, at, { dev: BigInt(dev), ino: BigInt(ino), filetype: ft, nlink: BigInt(nlink), size: BigInt(size), atim: a, mtim: m, ctim: c });
        expect(new Uint8Array(buf)).toEqual(new Uint8Array(ref.buffer));
        const u = (t: bigint) => BigInt.asUintN(64, t);
        expect(readFilestat(view, at)).toEqual({ dev: BigInt(dev), ino: BigInt(ino), filetype: ft, nlink: BigInt(nlink), size: BigInt(size), atim: u(a), mtim: u(m), ctim: u(c) });
      }
    }
  });

  it("a dirent header is 24 bytes, padding zeroed, from bigints or from numbers alike", () => {
    expect(DIRENT_SIZE).toBe(24);
    const v = dv();
    new Uint8Array(v.buffer).fill(0xff);
    writeDirentHeader(v, 0, 42n, 7n, 6, 4);
    expect(readDirentHeader(v, 0)).toEqual({ next: 42n, ino: 7n, namlen: 6, type: 4 });
    expect([...new Uint8Array(v.buffer, 21, 3)]).toEqual([0, 0, 0]);
    const w = dv();
    new Uint8Array(w.buffer).fill(0xff);
    // Above 2**32 (the high word) and above 2**53 (a number that is still an exact integer).
    for (const [next, ino] of [[42, 7], [2 ** 32 + 5, 2 ** 40 + 3], [2 ** 53 + 2, 2 ** 63 + 2 ** 11]] as const) {
      writeDirentNumbers(w, 0, next, ino, 6, 4);
      writeDirentHeader(v, 0, BigInt(next), BigInt(ino), 6, 4);
      expect(new Uint8Array(w.buffer, 0, 24)).toEqual(new Uint8Array(v.buffer, 0, 24));
      expect(readDirentHeader(w, 0)).toEqual({ next: BigInt(next), ino: BigInt(ino), namlen: 6, type: 4 });
    }
  });

  it("prestat puts tag 0 at 0 and the name length at 4", () => {
    const v = dv();
    new Uint8Array(v.buffer).fill(0xff);
    writePrestat(v, 0, 1);
    expect(v.getUint8(0)).toBe(0);
    expect(v.getUint32(4, true)).toBe(1);
  });

  it("subscriptions and events round-trip with their documented offsets", () => {
    const v = dv();
    writeSubscriptionClock(v, 0, 99n, 1, 5000n, 1);
    expect(SUBSCRIPTION_SIZE).toBe(48);
    expect(v.getUint32(16, true)).toBe(1);
    expect(v.getBigUint64(24, true)).toBe(5000n);
    expect(v.getUint16(40, true)).toBe(1);
    expect(readSubscription(v, 0)).toMatchObject({ userdata: 99n, tag: 0, clockId: 1, timeout: 5000n, flags: 1 });
    writeSubscriptionFd(v, 48, 5n, 1, 0);
    expect(readSubscription(v, 48)).toEqual({ userdata: 5n, tag: 1, fd: 0 });
    writeEvent(v, 96, { userdata: 5n, error: 8, type: 2, nbytes: 17n, flags: 1 });
    expect(EVENT_SIZE).toBe(32);
    expect(v.getUint16(96 + 8, true)).toBe(8);
    expect(v.getUint8(96 + 10)).toBe(2);
    expect(v.getBigUint64(96 + 16, true)).toBe(17n);
    expect(readEvent(v, 96)).toEqual({ userdata: 5n, error: 8, type: 2, nbytes: 17n, flags: 1 });
  });

  it("readIovecs rejects a buffer that ends outside memory", () => {
    const v = dv(64);
    v.setUint32(0, 10, true);
    v.setUint32(4, 20, true);
    expect(readIovecs(v, 0, 1)).toEqual([{ ptr: 10, len: 20 }]);
    v.setUint32(4, 60, true);
    expect(() => readIovecs(v, 0, 1)).toThrow(RangeError);
    expect(() => readIovecs(v, 60, 1)).toThrow(RangeError);
  });

  it("readIovecs fills the array it is given, reusing its iovec objects, and fits its length to the count", () => {
    const v = dv(64);
    for (let i = 0; i < 3; i++) {
      v.setUint32(i * 8, 10 + i, true);
      v.setUint32(i * 8 + 4, 1 + i, true);
    }
    const scratch: ReturnType<typeof readIovecs> = [];
    expect(readIovecs(v, 0, 3, scratch)).toBe(scratch);
    expect(scratch).toEqual([{ ptr: 10, len: 1 }, { ptr: 11, len: 2 }, { ptr: 12, len: 3 }]);
    const first = scratch[0];
    expect(readIovecs(v, 8, 1, scratch)).toEqual([{ ptr: 11, len: 2 }]);
    expect(scratch[0]).toBe(first);
    expect(readIovecs(v, 0, 0, scratch)).toEqual([]);
  });

  it("GuestMemory.bytes gives the same range the same view until the memory grows", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const g = new GuestMemory();
    g.attach(memory);
    const a = g.bytes(100, 16);
    expect(g.bytes(100, 16)).toBe(a);
    expect(g.bytes(100, 17)).not.toBe(a);
    const moved = g.bytes(101, 16);
    expect([moved.byteOffset, moved.length]).toEqual([101, 16]);
    expect(g.bytes(101, 16)).toBe(moved);
    expect(() => g.bytes(65536 - 8, 16)).toThrow(RangeError);
    expect(g.bytes(101, 16)).toBe(moved); // a failed call leaves the last view as it was
    g.view();
    expect(g.size).toBe(65536);
    const b = g.bytes(100, 16);
    memory.grow(1);
    g.view();
    expect(g.size).toBe(2 * 65536); // the grow is seen: the old buffer is detached
    const c = g.bytes(100, 16);
    expect(c === b).toBe(false); // (b is detached now: not handed to expect)
    expect(c.buffer).toBe(memory.buffer);
    c[0] = 7;
    expect(new Uint8Array(memory.buffer)[100]).toBe(7);
    expect(() => g.bytes(2 * 65536 - 8, 16)).toThrow(RangeError);
  });

  it("lists all 46 preview1 functions", () => {
    expect(PREVIEW1_FUNCTIONS.length).toBe(46);
    expect(new Set(PREVIEW1_FUNCTIONS).size).toBe(46);
  });
});

// guestPathUnder (the dispatcher's path arguments: decoded straight from guest
// memory with its directory prefix) against the composition it stands for,
// resolveUnder(dir, decodeGuestPath(bytes)): the same union path or the same
// errno, for every argument and directory. Portable: no node:* imports.
import { describe, expect, it } from "vitest";
import { Errno, errnoOf } from "../../src/core/errno.ts";
import { decodeGuestPath, guestPathUnder, resolveUnder } from "../../src/wasi/paths.ts";

const enc = new TextEncoder();

function outcome(f: () => string): string | number {
  try {
    return f();
  } catch (e) {
    return e instanceof RangeError ? "RangeError" : errnoOf(e);
  }
}

const bytes = (s: string | number[]): number[] => (typeof s === "string" ? [...enc.encode(s)] : s);

const ARGS: (string | number[])[] = [
  "a", "tree/d0/e0/f1", "data/a.txt", "./x", "x/..", "..", "a/../..", "a/b/../../..", "/etc", "//x", "x/", "x//y/",
  ".", "./", "a/./b", "...", "..a", "a..", ".hidden/..",
  "café", "ünï/cödé.txt", "z€z/😀", "a/é/..", "é/../..",
  "", "a\0b", "\0", [0xc3, 0x00], [0xff, 0xfe], [0x61, 0xc3], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0x61, 0xe2, 0x82],
  "n".repeat(254), "n".repeat(255), "n".repeat(256), "é".repeat(127), "é".repeat(128) + "a",
  "a/".repeat(2047) + "x", "a/".repeat(2048) + "x", "x".repeat(4097),
];
const DIRS = ["/", "/data", "/ünï", "/" + "d".repeat(254), "/" + "d".repeat(255), "/" + "d/".repeat(200) + "e"];

describe("guestPathUnder", () => {
  it("gives what resolveUnder(dir, decodeGuestPath(bytes)) gives, union path or errno", () => {
    const mem = new Uint8Array(16384);
    for (const escape of [Errno.NOTCAPABLE, Errno.PERM]) {
      for (const dir of DIRS) {
        for (const arg of ARGS) {
          const b = bytes(arg);
          mem.fill(0x41); // what surrounds the argument must not leak into it
          mem.set(b, 100);
          const expected = outcome(() => resolveUnder(dir, decodeGuestPath(new Uint8Array(b)), escape));
          expect([dir, arg, outcome(() => guestPathUnder(mem, 100, b.length, dir, escape))]).toEqual([dir, arg, expected]);
        }
      }
    }
  });

  it("decodes ASCII, multi-byte UTF-8 and a directory prefix exactly", () => {
    const mem = new Uint8Array(256);
    const put = (s: string): number => { const b = enc.encode(s); mem.set(b, 8); return b.length; };
    expect(guestPathUnder(mem, 8, put("tree/d0/e0/f1"), "/", Errno.NOTCAPABLE)).toBe("/tree/d0/e0/f1");
    expect(guestPathUnder(mem, 8, put("f1"), "/tree/d0", Errno.NOTCAPABLE)).toBe("/tree/d0/f1");
    expect(guestPathUnder(mem, 8, put("cödé/😀"), "/ünï", Errno.NOTCAPABLE)).toBe("/ünï/cödé/😀");
    expect(guestPathUnder(mem, 8, put("abc"), "/ünï", Errno.NOTCAPABLE)).toBe("/ünï/abc");
    // A shorter argument after a longer one: nothing of the earlier one is left over.
    expect(guestPathUnder(mem, 8, put("z"), "/", Errno.NOTCAPABLE)).toBe("/z");
  });

  it("is a RangeError (EFAULT) when the argument is outside memory, before any other check", () => {
    const mem = new Uint8Array(64);
    expect(outcome(() => guestPathUnder(mem, 60, 5, "/", Errno.NOTCAPABLE))).toBe("RangeError");
    expect(outcome(() => guestPathUnder(mem, 65, 0, "/", Errno.NOTCAPABLE))).toBe("RangeError"); // empty, but past the end
    expect(outcome(() => guestPathUnder(mem, 0xfffffff0, 0x20, "/", Errno.NOTCAPABLE))).toBe("RangeError"); // wraps 2**32
    expect(outcome(() => guestPathUnder(mem, 64, 0, "/", Errno.NOTCAPABLE))).toBe(Errno.NOENT); // empty, at the end
    mem.fill(0x61);
    expect(guestPathUnder(mem, 59, 5, "/", Errno.NOTCAPABLE)).toBe("/aaaaa"); // ends at the last byte
  });
});

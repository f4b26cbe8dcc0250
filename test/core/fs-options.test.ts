// The fs-style API's flags and options (src/core/fs-options.ts): node's open flag strings
// for open / writeFile / appendFile / readFile, and every method's options checked, with
// EINVAL naming what was wrong instead of silently ignoring it. Portable: no node:*.
import { describe, expect, it } from "vitest";
import { FsError } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function union(): Union {
  return new Union(new Image([MemoryLayer.from({ "low.txt": "lower\n", "d/": {}, "d/x": "x", "ln": { symlink: "low.txt" } })]), new MemoryLayer());
}

/** The FsError `f` throws (fails the test if it does not throw one). */
function errorOf(f: () => unknown): FsError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FsError);
    return e as FsError;
  }
  throw new Error("expected an FsError");
}

function expectInval(f: () => unknown, message: RegExp): void {
  const e = errorOf(f);
  expect(e.code).toBe("EINVAL");
  expect(e.message).toMatch(message);
}

describe("writeFile and appendFile take node's flags", () => {
  it("{ flag: 'a' } appends (it used to truncate), copying a lower file up first", () => {
    const u = union();
    u.writeFile("/low.txt", "more\n", { flag: "a" });
    expect(u.readFile("/low.txt", "utf8")).toBe("lower\nmore\n");
    expect(u.image.layers[0]!.stat("low.txt")?.size).toBe(6); // the lower layer is untouched
    u.writeFile("/new.txt", "a", { flag: "a" });
    u.writeFile("/new.txt", "b", { flag: "a+" });
    expect(u.readFile("/new.txt", "utf8")).toBe("ab");
  });

  it("default 'w' truncates; 'wx'/'ax' refuse an existing file; 'r+' overwrites in place and needs the file", () => {
    const u = union();
    u.writeFile("/low.txt", "w");
    expect(u.readFile("/low.txt", "utf8")).toBe("w");
    expect(errorOf(() => u.writeFile("/low.txt", "x", { flag: "wx" })).code).toBe("EEXIST");
    expect(errorOf(() => u.writeFile("/low.txt", "x", { flag: "ax" })).code).toBe("EEXIST");
    expect(errorOf(() => u.writeFile("/ln", "x", { flag: "wx" })).code).toBe("EEXIST"); // not followed
    u.writeFile("/fresh", "new", { flag: "wx" });
    expect(u.readFile("/fresh", "utf8")).toBe("new");
    u.writeFile("/fresh", "N", { flag: "r+" });
    expect(u.readFile("/fresh", "utf8")).toBe("New");
    expect(errorOf(() => u.writeFile("/missing", "x", { flag: "r+" })).code).toBe("ENOENT");
    expect(errorOf(() => u.writeFile("/fresh", "x", { flag: "r" })).code).toBe("EBADF");
    expect(u.readFile("/fresh", "utf8")).toBe("New");
  });

  it("appendFile creates, appends, and honours a given flag", () => {
    const u = union();
    u.appendFile("/log", "1\n");
    u.appendFile("/log", enc.encode("2\n"));
    expect(u.readFile("/log", "utf8")).toBe("1\n2\n");
    u.appendFile("/low.txt", "+");
    expect(u.readFile("/low.txt", "utf8")).toBe("lower\n+");
    expect(errorOf(() => u.appendFile("/log", "x", { flag: "ax" })).code).toBe("EEXIST");
    u.appendFile("/log", "w", { flag: "w" });
    expect(u.readFile("/log", "utf8")).toBe("w");
  });

  it("mode applies to a created file (number or octal string); encoding utf8 only", () => {
    const u = union();
    u.writeFile("/m1", "x", { mode: 0o600 });
    u.appendFile("/m2", "x", { mode: "640" });
    u.writeFile("/m3", "x", "utf8");
    u.writeFile("/m4", "x", { encoding: "utf-8" });
    expect([u.stat("/m1").mode, u.stat("/m2").mode, u.stat("/m3").mode]).toEqual([0o600, 0o640, 0o644]);
    expectInval(() => u.writeFile("/m5", "x", { encoding: "latin1" } as never), /unsupported encoding "latin1"/);
    expectInval(() => u.writeFile("/m5", "x", "hex" as never), /unsupported encoding "hex"/);
    expectInval(() => u.writeFile("/m5", "x", { mode: 1.5 }), /mode must be an integer/);
    expectInval(() => u.writeFile("/m5", "x", { mode: "rw" }), /mode must be an integer/);
    expect(u.exists("/m5")).toBe(false);
  });

  it("refuses unknown flags, unknown options and bad data with EINVAL, touching nothing", () => {
    const u = union();
    expectInval(() => u.writeFile("/low.txt", "x", { flag: "q" }), /invalid flag "q"/);
    expectInval(() => u.writeFile("/low.txt", "x", { flags: "a" } as never), /unknown option 'flags' \(known: encoding, mode, flag\)/);
    expectInval(() => u.appendFile("/low.txt", "x", { flag: 1 } as never), /invalid flag 1/);
    expectInval(() => u.writeFile("/low.txt", 42 as never), /data must be a string or a Uint8Array/);
    expectInval(() => u.writeFile("/low.txt", "x", 7 as never), /options must be an object/);
    expect(u.readFile("/low.txt", "utf8")).toBe("lower\n");
    expect(u.changes()).toEqual([]);
  });
});

describe("open(path, flags)", () => {
  // What each node flag does: [flag, readable, writable, creates, truncates, exclusive, appends].
  const TABLE: [string, boolean, boolean, boolean, boolean, boolean, boolean][] = [
    ["r", true, false, false, false, false, false],
    ["rs", true, false, false, false, false, false],
    ["r+", true, true, false, false, false, false],
    ["rs+", true, true, false, false, false, false],
    ["w", false, true, true, true, false, false],
    ["wx", false, true, true, true, true, false],
    ["w+", true, true, true, true, false, false],
    ["wx+", true, true, true, true, true, false],
    ["a", false, true, true, false, false, true],
    ["ax", false, true, true, false, true, true],
    ["as", false, true, true, false, false, true],
    ["a+", true, true, true, false, false, true],
    ["ax+", true, true, true, false, true, true],
    ["as+", true, true, true, false, false, true],
  ];
  for (const [flag, readable, writable, creates, truncates, exclusive, appends] of TABLE) {
    it(`"${flag}" behaves as in node`, () => {
      const u = union();
      // An existing file ("lower\n", in the lower layer).
      if (exclusive) {
        expect(errorOf(() => u.open("/low.txt", flag)).code).toBe("EEXIST");
      } else {
        const f = u.open("/low.txt", flag);
        const buf = new Uint8Array(16);
        if (readable) expect(dec.decode(buf.subarray(0, f.read(buf, 0)))).toBe(truncates ? "" : "lower\n");
        else expect(errorOf(() => f.read(buf, 0)).code).toBe("EBADF");
        if (writable) f.write(enc.encode("AB"), 0);
        else expect(errorOf(() => f.write(enc.encode("AB"), 0)).code).toBe("EBADF");
        f.close();
        const expected = !writable ? "lower\n" : truncates ? "AB" : appends ? "lower\nAB" : "ABwer\n";
        expect(u.readFile("/low.txt", "utf8")).toBe(expected);
        expect(u.changes().length > 0).toBe(writable); // write access copies up, reading never
      }
      // A missing file.
      if (creates) {
        u.open("/created", flag, 0o600).close();
        expect(u.stat("/created").mode).toBe(0o600);
      } else {
        expect(errorOf(() => u.open("/created", flag)).code).toBe("ENOENT");
      }
    });
  }

  it("refuses an unknown flag, a numeric flag, and a mode argument with an options object", () => {
    const u = union();
    expectInval(() => u.open("/low.txt", "rw"), /invalid flag "rw"/);
    expectInval(() => u.open("/low.txt", 2 as never), /options must be an object or a flag string/);
    expectInval(() => u.open("/low.txt", {}, 0o644), /mode argument goes with a flag string/);
    expectInval(() => u.open("/new", "w", -1), /mode must be an integer/);
    expect(u.exists("/new")).toBe(false);
  });

  it("checks OpenOptions: known keys only, booleans, an integer mode; read:false and append:true are enforced", () => {
    const u = union();
    expectInval(() => u.open("/low.txt", { flag: "a" } as never), /unknown option 'flag'/);
    expectInval(() => u.open("/low.txt", { write: 1 } as never), /option 'write' must be a boolean, got 1/);
    expectInval(() => u.open("/n", { create: true, mode: "x" } as never), /mode must be an integer/);
    const w = u.open("/low.txt", { write: true, read: false, append: true });
    expect(errorOf(() => w.read(new Uint8Array(1), 0)).code).toBe("EBADF");
    w.write(enc.encode("!"), 0);
    w.close();
    expect(errorOf(() => w.read(new Uint8Array(1), 0)).code).toBe("EBADF");
    expect(u.readFile("/low.txt", "utf8")).toBe("lower\n!");
    const m = u.open("/oct", { write: true, create: true, mode: "700" as never });
    m.close();
    expect(u.stat("/oct").mode).toBe(0o700);
  });
});

describe("readFile options", () => {
  it("takes an encoding or { encoding, flag }; 'a+' creates a missing file", () => {
    const u = union();
    expect(u.readFile("/low.txt", "utf-8")).toBe("lower\n");
    expect(u.readFile("/low.txt", { encoding: "utf8" })).toBe("lower\n");
    expect(u.readFile("/low.txt", { encoding: null })).toEqual(enc.encode("lower\n"));
    expect(u.readFile("/made", { flag: "a+", encoding: "utf8" })).toBe("");
    expect(u.exists("/made")).toBe(true);
    expect(errorOf(() => u.readFile("/low.txt", { flag: "w" })).code).toBe("EBADF"); // as node: truncated, then EBADF
    expectInval(() => u.readFile("/low.txt", { encoding: "base64" } as never), /unsupported encoding "base64"/);
    expectInval(() => u.readFile("/low.txt", { signal: 1 } as never), /unknown option 'signal' \(known: encoding, flag\)/);
    expectInval(() => u.readFile("/low.txt", { flag: "z" }), /invalid flag "z"/);
  });
});

describe("every other method's options", () => {
  it("mkdir: a mode (number or octal string) or { mode, recursive }", () => {
    const u = union();
    u.mkdir("/a", 0o700);
    u.mkdir("/b", "750");
    u.mkdir("/c/d/e", { recursive: true, mode: 0o711 });
    expect([u.stat("/a").mode, u.stat("/b").mode, u.stat("/c/d/e").mode]).toEqual([0o700, 0o750, 0o711]);
    expectInval(() => u.mkdir("/f", { recursive: "yes" } as never), /option 'recursive' must be a boolean/);
    expectInval(() => u.mkdir("/f", { parents: true } as never), /unknown option 'parents' \(known: mode, recursive\)/);
    expectInval(() => u.mkdir("/f", -5), /mode must be an integer/);
    expectInval(() => u.mkdir("/f", "0x7"), /mode must be an integer/);
    expect(u.exists("/f")).toBe(false);
  });

  it("readdir: encoding and withFileTypes; recursive and the rest are EINVAL", () => {
    const u = union();
    expect(u.readdir("/d", "utf8")).toEqual(["x"]);
    expect(u.readdir("/d", { withFileTypes: true })).toEqual([{ name: "x", type: "file", ino: expect.any(Number) }]);
    expectInval(() => u.readdir("/", { recursive: true } as never), /unknown option 'recursive'/);
    expectInval(() => u.readdir("/", { withFileTypes: 1 } as never), /must be a boolean/);
    expectInval(() => u.readdir("/", { encoding: "ascii" } as never), /unsupported encoding/);
  });

  it("rmdir takes no options (node's recursive would silently do less)", () => {
    const u = union();
    expectInval(() => u.rmdir("/d", { recursive: true } as never), /unknown option 'recursive' \(takes none\)/);
    expect(u.exists("/d/x")).toBe(true);
    u.mkdir("/e");
    u.rmdir("/e", {});
    expect(u.exists("/e")).toBe(false);
  });

  it("stat/lstat: throwIfNoEntry:false gives undefined; bigint stats and unknown keys are EINVAL", () => {
    const u = union();
    expect(u.stat("/missing", { throwIfNoEntry: false })).toBeUndefined();
    expect(u.lstat("/d/missing/deeper", { throwIfNoEntry: false })).toBeUndefined();
    expect(u.lstat("/ln", { throwIfNoEntry: false })?.type).toBe("symlink");
    expect(errorOf(() => u.stat("/missing", { throwIfNoEntry: true })).code).toBe("ENOENT");
    expect(errorOf(() => u.stat("/low.txt/x", { throwIfNoEntry: false })).code).toBe("ENOTDIR");
    expectInval(() => u.stat("/low.txt", { bigint: true } as never), /bigint stats are not supported/);
    expectInval(() => u.lstat("/low.txt", { follow: true } as never), /unknown option 'follow'/);
  });

  it("readlink, symlink, chmod, chown, realpath and the Union constructor check their arguments", () => {
    const u = union();
    expect(u.readlink("/ln", { encoding: "utf8" })).toBe("low.txt");
    expectInval(() => u.readlink("/ln", { encoding: "buffer" } as never), /utf8 only/);
    u.symlink("/low.txt", "/abs", "file"); // absolute targets stay allowed in the JS API
    expect(u.readFile("/abs", "utf8")).toBe("lower\n");
    expectInval(() => u.symlink("x", "/s", "hard" as never), /type must be "file", "dir" or "junction"/);
    u.chmod("/low.txt", "600");
    expect(u.stat("/low.txt").mode).toBe(0o600);
    expectInval(() => u.chmod("/low.txt", Number.NaN), /mode must be an integer/);
    expectInval(() => u.chown("/low.txt", 1.5, 0), /uid must be an integer >= -1/);
    expectInval(() => u.chown("/low.txt", 0, -2), /gid must be an integer >= -1/);
    expectInval(() => u.realpath("/ln", "yes" as never), /follow must be a boolean/);
    expectInval(() => new Union(new Image([]), new MemoryLayer(), { renamedir: "exdev" } as never), /unknown option 'renamedir' \(known: renameDir, quota\)/);
  });
});

import { describe, expect, it } from "vitest";
import { Errno, FsError } from "../../src/core/errno.ts";
import { FdTable } from "../../src/wasi/fd-table.ts";
import type { Descriptor } from "../../src/wasi/fd-table.ts";
import {
  DIR_INHERITING, DIR_RIGHTS, FILE_RIGHTS, RIGHTS, RIGHTS_ALL, requireRights, rightsFromU64, rightsToU64,
} from "../../src/wasi/rights.ts";

const stdio = (): Descriptor => ({ kind: "stdio", input: undefined, output: undefined, rightsBase: 0, rightsInheriting: 0, fdflags: 0 });
const errnoOf = (f: () => unknown): number => {
  try { f(); } catch (e) { return (e as FsError).errno; }
  return 0;
};

describe("FdTable", () => {
  it("gives new descriptors the lowest free number", () => {
    const t = new FdTable();
    for (let i = 0; i < 4; i++) t.set(i, stdio());
    expect(t.add(stdio())).toBe(4);
    expect(t.add(stdio())).toBe(5);
    t.remove(1);
    t.remove(4);
    expect(t.add(stdio())).toBe(1);
    expect(t.add(stdio())).toBe(4);
    expect(t.add(stdio())).toBe(6);
  });

  it("reports EBADF for descriptors that are not open", () => {
    const t = new FdTable();
    expect(errnoOf(() => t.get(0))).toBe(Errno.BADF);
    expect(errnoOf(() => t.remove(7))).toBe(Errno.BADF);
    expect(errnoOf(() => t.renumber(1, 2))).toBe(Errno.BADF);
  });

  it("renumber moves a handle over another and frees the source number", () => {
    const t = new FdTable();
    const a = stdio(), b = stdio();
    t.set(0, a);
    t.set(1, b);
    expect(t.renumber(0, 1)).toBe(b);
    expect(t.get(1)).toBe(a);
    expect(t.has(0)).toBe(false);
    expect(t.add(stdio())).toBe(0);
    expect(t.renumber(1, 1)).toBeUndefined();
  });

  it("lists the open descriptors by number, and knows none past the end or after removal", () => {
    const t = new FdTable();
    const a = stdio(), b = stdio(), c = stdio();
    t.set(3, a);
    expect(t.add(b)).toBe(0);
    expect(t.add(c)).toBe(1);
    t.remove(0);
    expect([...t.entries()]).toEqual([[1, c], [3, a]]);
    expect(t.size).toBe(2);
    expect(t.has(0)).toBe(false);
    expect(t.tryGet(2 ** 32 - 1)).toBeUndefined();
    expect(errnoOf(() => t.get(4))).toBe(Errno.BADF);
    for (let i = 0; i < 100; i++) t.remove(t.add(stdio())); // open and close one at a time
    expect(t.add(stdio())).toBe(0);
    expect(t.size).toBe(3);
  });

  it("set() past the end leaves the gap free for add()", () => {
    const t = new FdTable();
    t.set(5, stdio());
    expect(t.add(stdio())).toBe(0);
    expect(t.size).toBe(2);
  });
});

describe("rights", () => {
  it("directories never carry seek, tell, read, write or set-size rights", () => {
    for (const r of [RIGHTS.FD_SEEK, RIGHTS.FD_TELL, RIGHTS.FD_READ, RIGHTS.FD_WRITE, RIGHTS.FD_FILESTAT_SET_SIZE]) {
      expect(DIR_RIGHTS & r).toBe(0);
    }
  });

  it("directories hand down every file and directory right", () => {
    expect(DIR_INHERITING & FILE_RIGHTS).toBe(FILE_RIGHTS);
    expect(DIR_INHERITING & DIR_RIGHTS).toBe(DIR_RIGHTS);
  });

  it("u64 conversion drops unknown high bits", () => {
    expect(rightsFromU64(0xffff_ffff_ffff_ffffn)).toBe(RIGHTS_ALL);
    expect(rightsToU64(RIGHTS_ALL)).toBe((1n << 29n) - 1n);
    expect(rightsFromU64(-1n)).toBe(RIGHTS_ALL);
  });

  it("missing read/write rights are EBADF, missing path rights ENOTCAPABLE", () => {
    expect(errnoOf(() => requireRights(RIGHTS.FD_READ, RIGHTS.FD_WRITE))).toBe(Errno.BADF);
    expect(errnoOf(() => requireRights(0, RIGHTS.PATH_OPEN))).toBe(Errno.NOTCAPABLE);
    expect(errnoOf(() => requireRights(RIGHTS.PATH_OPEN, RIGHTS.PATH_OPEN))).toBe(0);
  });
});

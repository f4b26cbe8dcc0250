// Quotas on a union's upper (core/quota.ts): what counts (stored chunks, not file
// sizes; copy-up; names and inodes), ENOSPC past a limit with nothing half-done,
// space given back, usage() at any time. Through WASI: test/wasi/quota.test.ts.
// Portable (no node:* imports).
import { describe, expect, it } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import { ENTRY_BYTES } from "../../src/core/quota.ts";
import { Union } from "../../src/core/union.ts";
import type { UnionOptions } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { thrownErrno } from "../support/index.ts";
import { snapshotUnion } from "./tree.ts";

const MiB = 1 << 20;

function box(quota: UnionOptions["quota"]): { u: Union; upper: MemoryLayer } {
  const lower = MemoryLayer.from({ "big.bin": new Uint8Array(4 * MiB).fill(1), "etc/motd": "hi\n", "etc/hostname": "box\n" }, { timeNs: 1n });
  const upper = new MemoryLayer();
  return { u: new Union(new Image([lower]), upper, { quota }), upper };
}

describe("quota", () => {
  it("checks its option: non-negative integers, known keys", () => {
    for (const bad of [{ bytes: -1 }, { inodes: 1.5 }, { bytes: "1M" }, { files: 3 }, "64M", null]) {
      expect(thrownErrno(() => new Union(new Image([]), new MemoryLayer(), { quota: bad as never }))).toBe(Errno.INVAL);
    }
    expect(new Union(new Image([]), new MemoryLayer(), { quota: { bytes: 0 } }).options.quota).toEqual({ bytes: 0 });
  });

  it("usage() is readable at any time and counts names, inodes and stored bytes", () => {
    const { u, upper } = box({});
    expect(u.usage()).toEqual({ bytes: 0, inodes: 0 });
    u.mkdir("/d");
    u.writeFile("/d/f", new Uint8Array(4096).fill(7));
    u.symlink("f", "/d/l");
    u.link("/d/f", "/d/hard");
    const stored = upper.contentUsage("d/f").bytes;
    expect(stored).toBe(4096);
    // d, d/f, d/l: three inodes; four names; the symlink's target; the file's chunk.
    expect(u.usage()).toEqual({ inodes: 3, bytes: 4 * ENTRY_BYTES + 1 + stored });
    u.unlink("/d/hard");
    expect(u.usage().inodes).toBe(3);
    u.unlink("/d/f");
    expect(u.usage()).toEqual({ inodes: 2, bytes: 2 * ENTRY_BYTES + 1 });
  });

  it("copy-up counts what it really stores: chunks written, not the file's size", () => {
    const { u, upper } = box({ bytes: MiB });
    const f = u.open("/big.bin", { write: true }); // copy-up of a 4 MiB file: by reference, stores nothing yet
    expect(u.usage()).toEqual({ inodes: 1, bytes: ENTRY_BYTES });
    expect(f.write(new Uint8Array(10).fill(9), 100)).toBe(10);
    f.close();
    const chunk = upper.contentUsage("big.bin").bytes;
    expect(chunk).toBe(10); // the bytes written: the rest of their chunk still reads from the lower file
    expect(u.usage()).toEqual({ inodes: 1, bytes: ENTRY_BYTES + chunk });
    expect(u.stat("/big.bin").size).toBe(4 * MiB);
    // chmod of a lower file in a lower directory: the directory and the file are copied up.
    u.chmod("/etc/motd", 0o600);
    expect(u.usage()).toEqual({ inodes: 3, bytes: 3 * ENTRY_BYTES + chunk });
  });

  it("a write past the byte quota is ENOSPC and changes nothing; a smaller one still fits", () => {
    const { u } = box({ bytes: 64 * 1024 });
    u.writeFile("/f", "start");
    const before = u.usage();
    const f = u.open("/f", { write: true });
    expect(thrownErrno(() => f.write(new Uint8Array(MiB), 0))).toBe(Errno.NOSPC);
    expect(u.readFile("/f", "utf8")).toBe("start");
    expect(u.usage()).toEqual(before);
    expect(f.write(new TextEncoder().encode("!"), 5)).toBe(1);
    f.close();
    expect(u.readFile("/f", "utf8")).toBe("start!");
    // writeFile of a new file that does not fit leaves no file behind.
    expect(thrownErrno(() => u.writeFile("/huge", new Uint8Array(MiB)))).toBe(Errno.NOSPC);
    expect(u.exists("/huge")).toBe(false);
    // A growing truncate of a memory file is sparse: it stores nothing.
    u.truncate("/f", 10 * MiB);
    expect(u.stat("/f").size).toBe(10 * MiB);
    u.truncate("/f", 0);
    expect(u.usage().bytes).toBe(ENTRY_BYTES);
  });

  it("past the inode quota every create is ENOSPC and leaves nothing; removing gives inodes back", () => {
    const { u } = box({ inodes: 4 });
    u.mkdir("/d");
    u.writeFile("/d/a", "a");
    u.writeFile("/d/b", "b");
    u.symlink("a", "/d/c");
    const view = snapshotUnion(u);
    expect(thrownErrno(() => u.writeFile("/d/e", "e"))).toBe(Errno.NOSPC);
    expect(thrownErrno(() => u.mkdir("/d/f"))).toBe(Errno.NOSPC);
    expect(thrownErrno(() => u.symlink("a", "/d/g"))).toBe(Errno.NOSPC);
    expect(thrownErrno(() => u.open("/d/h", { create: true, write: true }))).toBe(Errno.NOSPC);
    // Changing a lower file needs an upper copy, and deleting one needs a whiteout: both are inodes.
    expect(thrownErrno(() => u.chmod("/big.bin", 0o600))).toBe(Errno.NOSPC);
    expect(thrownErrno(() => u.unlink("/big.bin"))).toBe(Errno.NOSPC);
    expect(snapshotUnion(u)).toEqual(view);
    expect(u.usage().inodes).toBe(4);
    u.link("/d/a", "/d/hard"); // a name, not an inode
    u.unlink("/d/c");
    u.writeFile("/d/e", "e");
    expect(u.readFile("/d/e", "utf8")).toBe("e");
    u.unlink("/d/e");
    u.unlink("/d/hard");
    u.rename("/d/a", "/d/b"); // replacing b frees its inode
    expect(u.usage().inodes).toBe(2);
  });

  it("descriptors carried across a fork stay under the quota (a full quota does not stop the fork)", () => {
    const { u } = box({ bytes: 64 * 1024, inodes: 3 });
    const w = u.open("/open", { write: true, create: true });
    const gone = u.open("/gone", { write: true, create: true });
    u.unlink("/gone");
    u.writeFile("/x", "x");
    u.writeFile("/y", "y"); // 3 inodes: full
    u.fork(); // carrying /open over needs a copy-up in the new upper: done, though counted
    expect(u.usage().inodes).toBe(1);
    for (const f of [w, gone]) {
      expect(thrownErrno(() => f.write(new Uint8Array(MiB), 0))).toBe(Errno.NOSPC);
      expect(f.write(new Uint8Array(10), 0)).toBe(10);
    }
    expect(u.stat("/open").size).toBe(10);
    w.close();
    gone.close();
  });

  it("gives back a removed tree and what a rename replaces, and starts from 0 on reset and in a fork", () => {
    const { u } = box({ bytes: 10 * MiB, inodes: 100 });
    u.mkdir("/t");
    for (let i = 0; i < 5; i++) u.writeFile(`/t/f${i}`, new Uint8Array(1000));
    u.writeFile("/x", new Uint8Array(5000));
    u.writeFile("/y", new Uint8Array(100));
    const withX = u.usage();
    u.rename("/y", "/x");
    expect(u.usage().bytes).toBe(withX.bytes - ENTRY_BYTES - 5000);
    expect(thrownErrno(() => u.rmdir("/t"))).toBe(Errno.NOTEMPTY);
    for (let i = 0; i < 5; i++) u.unlink(`/t/f${i}`);
    u.rmdir("/t");
    expect(u.usage()).toEqual({ inodes: 1, bytes: ENTRY_BYTES + 100 });
    const child = u.fork();
    expect([u.usage(), child.usage()]).toEqual([{ bytes: 0, inodes: 0 }, { bytes: 0, inodes: 0 }]);
    child.writeFile("/c", "c");
    expect(child.usage().inodes).toBe(1);
    child.reset();
    expect(child.usage()).toEqual({ bytes: 0, inodes: 0 });
  });
});

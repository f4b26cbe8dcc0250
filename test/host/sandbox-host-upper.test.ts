// fork/reset/quotas with a host-directory upper (Node and Deno HostFs): fork and reset are
// refused with ENOTSUP (a directory cannot be frozen or replaced in O(1)) and change nothing;
// a quota counts the host files by size and refuses with ENOSPC, leaving nothing on disk.
import { afterAll, describe, expect, it } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import type { UnionOptions } from "../../src/core/union.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import { thrownErrno } from "../support/index.ts";
import { ENTRY_BYTES } from "../../src/core/quota.ts";
import { cleanup, counted, hostFs, IN_DENO, listTree, makeTree, pathForSetup as path, tempDir } from "./helpers.ts";

const bases: string[] = [];

/** A union over no image with an empty writable host directory as its upper, whose host calls are counted. */
function countedHostUpper(options: UnionOptions): { u: Union; calls: Map<string, number> } {
  const base = tempDir("layerfs-sandbox-", true);
  bases.push(base);
  makeTree(path.join(base, "upper"), {});
  const { host: fs, calls } = counted(hostFs());
  const upper = new DirLayer(fs, path.join(base, "upper"), { writable: true });
  return { u: new Union(new Image([]), upper, options), calls };
}
afterAll(() => bases.forEach(cleanup));

describe(`a host-directory upper under fork, reset and a quota (${IN_DENO ? "Deno" : "Node"})`, () => {
  it("refuses fork and reset with ENOTSUP, and keeps a quota by file size", () => {
    const base = tempDir("layerfs-sandbox-", true);
    bases.push(base);
    makeTree(path.join(base, "lower"), { "etc/motd": "hi\n", "big.bin": new Uint8Array(100_000) });
    makeTree(path.join(base, "upper"), {});
    const lower = new DirLayer(hostFs(), path.join(base, "lower"));
    const upper = new DirLayer(hostFs(), path.join(base, "upper"), { writable: true });
    const u = new Union(new Image([lower]), upper, { quota: { bytes: 50_000, inodes: 10 } });
    u.writeFile("/etc/motd", "changed\n");
    expect(thrownErrno(() => u.fork())).toBe(Errno.NOTSUP);
    expect(thrownErrno(() => u.reset())).toBe(Errno.NOTSUP);
    expect(u.readFile("/etc/motd", "utf8")).toBe("changed\n");
    // A host upper stores what copy-up copies: the 100 kB lower file does not fit in 50 kB.
    expect(thrownErrno(() => u.chmod("/big.bin", 0o600))).toBe(Errno.NOSPC);
    expect(thrownErrno(() => u.writeFile("/new.bin", new Uint8Array(60_000)))).toBe(Errno.NOSPC);
    expect(u.exists("/new.bin")).toBe(false);
    u.close();
    expect(listTree(path.join(base, "upper"))).toEqual([".", "etc", "etc/motd"]); // nothing of the refused changes
    lower.close();
  });

  it("counts host files by size, exactly, with no host call but the pwrite per write and no open per unlink", () => {
    const { u, calls } = countedHostUpper({ quota: { bytes: 1_000_000 } });
    const f = u.open("/f", { write: true, create: true });
    calls.clear();
    f.write(new Uint8Array(4096).fill(1), 0); // grows 0 -> 4096
    // A file the layer just created tracks its size from its own writes.
    expect(Object.fromEntries(calls)).toEqual({ pwrite: 1 });
    expect(u.usage()).toEqual({ inodes: 1, bytes: ENTRY_BYTES + 4096 });
    f.write(new Uint8Array(100).fill(2), 1000); // inside: no growth
    expect(u.usage().bytes).toBe(ENTRY_BYTES + 4096);
    f.write(new Uint8Array(100).fill(3), 4050); // straddles EOF: grows to 4150
    expect(u.usage().bytes).toBe(ENTRY_BYTES + 4150);
    f.write(new Uint8Array(10).fill(4), 10_000); // sparse past EOF: counted by size
    expect(u.usage().bytes).toBe(ENTRY_BYTES + 10_010);
    f.truncate(5000);
    expect(u.usage().bytes).toBe(ENTRY_BYTES + 5000);
    f.close();
    expect(u.stat("/f").size).toBe(5000);
    expect(thrownErrno(() => u.writeFile("/g", new Uint8Array(1_000_000)))).toBe(Errno.NOSPC);
    calls.clear();
    u.unlink("/f");
    expect(calls.get("open") ?? 0).toBe(0);
    expect(u.usage()).toEqual({ inodes: 0, bytes: 0 });
    u.close();
  });

  it("keeps the size count exact with several descriptors on one file, hard links and no quota", () => {
    const { u, calls } = countedHostUpper({}); // no quota: usage() is still exact
    const hostSize = (name: string) => u.stat(name).size;
    const expectExact = () => expect(u.usage()).toEqual({ inodes: 1, bytes: 2 * ENTRY_BYTES + hostSize("/a") });
    const byte = new Uint8Array(10).fill(7);
    const fa = u.open("/a", { write: true, create: true });
    fa.write(new Uint8Array(100), 0);
    const other = u.open("/other", { write: true, create: true }); // a new object: /a keeps tracking
    calls.clear();
    fa.write(byte, 100);
    expect(Object.fromEntries(calls)).toEqual({ pwrite: 1 });
    other.close();
    u.unlink("/other");
    // A second writer of /a: neither may trust its own count now.
    const fb = u.open("/a", { write: true });
    fb.write(byte, 0);
    fa.write(byte, 200);
    fb.write(byte, 300);
    expect(hostSize("/a")).toBe(310);
    u.link("/a", "/b"); // one inode, two names
    expect(u.usage()).toEqual({ inodes: 1, bytes: 2 * ENTRY_BYTES + 310 });
    fb.close();
    fa.write(byte, 400); // the only writer again: asks the host once, then tracks
    calls.clear();
    fa.write(byte, 500);
    expect(calls.get("fstat") ?? 0).toBe(0);
    expectExact();
    // A writer through the other name ends the tracking of the first.
    const fc = u.open("/b", { write: true });
    fc.write(byte, 600);
    fa.write(byte, 0);
    fc.truncate(700);
    fa.write(byte, 650);
    expect(hostSize("/a")).toBe(700);
    expectExact();
    fc.close();
    fa.truncate(50); // shrinking, then growing again from the tracked size
    fa.write(byte, 60);
    expect(hostSize("/a")).toBe(70);
    expectExact();
    fa.write(new Uint8Array(0), 5000); // an empty write past EOF grows nothing
    fa.write(byte, 70);
    expect(hostSize("/a")).toBe(80);
    expectExact();
    fa.close();
    u.unlink("/a");
    u.unlink("/b");
    expect(u.usage()).toEqual({ inodes: 0, bytes: 0 });
    u.close();
  });
});

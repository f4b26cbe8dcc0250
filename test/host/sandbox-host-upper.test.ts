// fork/reset/quotas with a host-directory upper (Node and Deno HostFs): fork and reset are
// refused with ENOTSUP (a directory cannot be frozen or replaced in O(1)) and change nothing;
// a quota counts the host files by size and refuses with ENOSPC, leaving nothing on disk.
import { afterAll, describe, expect, it } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import { thrownErrno } from "../support/index.ts";
import type { HostFs } from "../../src/layers/dir/host-fs.ts";
import { ENTRY_BYTES } from "../../src/core/quota.ts";
import { cleanup, hostFs, IN_DENO, listTree, makeTree, pathForSetup as path, tempDir } from "./helpers.ts";

/** `fs` with every call counted by method name. */
function counted(fs: HostFs): { fs: HostFs; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const proxy = new Proxy(fs, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        calls.set(String(key), (calls.get(String(key)) ?? 0) + 1);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { fs: proxy, calls };
}

const bases: string[] = [];
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

  it("counts host files by size, exactly, with one fstat per write and no open per unlink", () => {
    const base = tempDir("layerfs-sandbox-", true);
    bases.push(base);
    makeTree(path.join(base, "upper"), {});
    const { fs, calls } = counted(hostFs());
    const upper = new DirLayer(fs, path.join(base, "upper"), { writable: true });
    const u = new Union(new Image([]), upper, { quota: { bytes: 1_000_000 } });
    const f = u.open("/f", { write: true, create: true });
    calls.clear();
    f.write(new Uint8Array(4096).fill(1), 0); // grows 0 -> 4096
    expect(calls.get("fstat")).toBe(1);
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
});

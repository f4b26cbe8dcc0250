// fork/reset/quotas with a host-directory upper (Node and Deno HostFs): fork and reset are
// refused with ENOTSUP (a directory cannot be frozen or replaced in O(1)) and change nothing;
// a quota counts the host files by size and refuses with ENOSPC, leaving nothing on disk.
import { afterAll, describe, expect, it } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import { thrownErrno } from "../support/index.ts";
import { cleanup, hostFs, IN_DENO, listTree, makeTree, pathForSetup as path, tempDir } from "./helpers.ts";

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
});

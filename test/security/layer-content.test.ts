// Hostile layer content: a lower directory holding sparse files far past the
// safe-integer range (16 PiB, 1 EiB). Reading them works; opening one for
// writing (a copy-up) must fail fast with EFBIG instead of copying exabytes of
// holes into the upper. Node only (host directories; needs a filesystem that
// allows such sizes, tmpfs or ext4 with large-file support, else skipped).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import { thrownErrno } from "../support/index.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { NodeFs } from "../../src/host/node-fs.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { cleanup, makeTree, tempDir } from "../host/helpers.ts";
import { harness } from "../wasi/harness.ts";

const base = tempDir("layerfs-sec-", true);
afterAll(() => cleanup(base));
makeTree(`${base}/lower`, { "small.txt": "small" });
let sparseOk = true;
for (const [name, size] of [["p16", 2n ** 54n], ["e1", 2n ** 60n]] as const) {
  try {
    // node's ftruncate takes safe numbers only: coreutils truncate(1) makes the hole
    execFileSync("truncate", ["-s", String(size), `${base}/lower/${name}`]);
    if (BigInt(fs.statSync(`${base}/lower/${name}`, { bigint: true }).size) !== size) sparseOk = false;
  } catch {
    sparseOk = false;
  }
}
if (!sparseOk) console.log("test/security/layer-content: skipped: this filesystem refuses files of 16 PiB and 1 EiB");


describe("a lower layer with sparse files past 2**53 bytes", () => {
  for (const upperKind of ["DirLayer", "MemoryLayer"] as const) {
    it.skipIf(!sparseOk)(`reads them and refuses a copy-up quickly (${upperKind} upper)`, () => {
      fs.rmSync(`${base}/upper`, { recursive: true, force: true });
      fs.mkdirSync(`${base}/upper`);
      const host = new NodeFs();
      const upper = upperKind === "DirLayer" ? new DirLayer(host, `${base}/upper`, { writable: true }) : new MemoryLayer();
      const u = new Union(new Image([new DirLayer(host, `${base}/lower`)]), upper);
      for (const name of ["/p16", "/e1"]) {
        expect(u.stat(name).size).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
        const f = u.open(name);
        expect(f.read(new Uint8Array(4), 0)).toBe(4);
        f.close();
        const t0 = Date.now();
        expect([Errno.FBIG, Errno.INVAL]).toContain(thrownErrno(() => u.open(name, { write: true })));
        expect(Date.now() - t0).toBeLessThan(2000);
        // through WASI too: an errno, the file still the lower's
        const x = harness({ union: u });
        expect([Errno.FBIG, Errno.INVAL]).toContain(x.open(name.slice(1))[0]);
        const np = x.alloc(8);
        const [e, fd] = x.open(name.slice(1), { rights: 2n | 4n | 32n });
        expect(e).toBe(Errno.SUCCESS);
        expect(x.sys.fd_seek!(fd, 0n, 2, np)).toBe(Errno.OVERFLOW); // the end is past what an offset can hold
      }
      expect(fs.readdirSync(`${base}/upper`)).toEqual([]);
    });
  }
});

describe("a lower layer with a file name that is not UTF-8", () => {
  it("answers EIO for that directory (never a half listing a rename could lose names from) and writes nothing", () => {
    const root = tempDir("layerfs-sec-", true);
    try {
      makeTree(`${root}/lower`, { "d/ok.txt": "ok", "other.txt": "other" });
      fs.writeFileSync(Buffer.concat([Buffer.from(`${root}/lower/d/bad`), Buffer.from([0xff])]), "latin-1 name");
      fs.mkdirSync(`${root}/upper`);
      const host = new NodeFs();
      const u = new Union(new Image([new DirLayer(host, `${root}/lower`)]), new DirLayer(host, `${root}/upper`, { writable: true }));
      expect(thrownErrno(() => u.readdir("/d"))).toBe(Errno.IO);
      expect(thrownErrno(() => u.rename("/d", "/e"))).toBe(Errno.IO);
      expect(thrownErrno(() => u.rmdir("/d"))).toBe(Errno.IO);
      expect(u.readFile("/other.txt", "utf8")).toBe("other");
      const x = harness({ union: u });
      const [p, l] = x.str("d");
      const [q, ql] = x.str("e");
      expect(x.sys.path_rename!(3, p, l, 3, q, ql)).toBe(Errno.IO);
      // At most a transparent copy of directory d (a failed rename copies its parent chain up
      // first): no whiteout, no opaque marker, so the merged view is unchanged.
      expect(fs.readdirSync(`${root}/upper`, { recursive: true }).filter((n) => n !== "d")).toEqual([]);
      expect(thrownErrno(() => u.readdir("/d"))).toBe(Errno.IO);
      expect(u.readdir("/").sort()).toEqual(["d", "other.txt"]);
      expect(fs.readdirSync(`${root}/lower/d`, { encoding: "buffer" })).toHaveLength(2);
    } finally {
      cleanup(root);
    }
  });
});

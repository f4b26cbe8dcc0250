// Copy-up into a host upper is a reflink where the filesystem can clone (issue 9): a union of
// a DirLayer lower and a writable DirLayer upper on a loop-mounted XFS (reflink=1; btrfs
// without xfsprogs) copies a 64 MiB lower file up by sharing its extents (FIEMAP SHARED,
// and free space does not drop by the file's size), the content is right, and later writes
// into the copy leave the lower alone. The same steps on XFS with reflink=0 are the
// control: a plain copy, no shared extent, the free space drops by the size, so the checks
// tell a clone from a copy (on tmpfs, sharedBytes throws: no FIEMAP). NodeFs asks for
// FICLONE; Deno.copyFileSync on Linux calls copy_file_range, which the kernel serves with a
// clone within one filesystem (strace: one copy_file_range of up to 1 GiB per call), so the
// checks hold in Deno too. Root only; skips with a printed reason where no loop
// filesystem can be made.
import { afterAll, describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { FaultFs } from "../../src/host/fault-fs.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import { firstDiff, pattern } from "../../src/testing/content.ts";
import { skipReason } from "../support/index.ts";
import { loopFs, sharedBytes } from "./loop-fs.ts";
import type { LoopFs } from "./loop-fs.ts";
import { fsForSetup as fs, hostFs, IN_DENO } from "./helpers.ts";

const MiB = 1024 * 1024;
const SIZE = 64 * MiB;
const BLOCK = 4096;
/** Blocks a clone may have unshared: the written one, and XFS's copy-on-write extent size hint around it (32 blocks). */
const SLACK = MiB;

function writeAt(union: Union, path: string, byte: number, offset: number): void {
  const f = union.open(path, { write: true });
  try {
    f.write(new Uint8Array(BLOCK).fill(byte), offset);
  } finally {
    f.close();
  }
}

const made: LoopFs[] = [];
afterAll(() => { for (const m of made) m.close(); });

for (const reflink of [true, false]) {
  const kind = reflink ? "a reflink filesystem (XFS reflink=1, or btrfs)" : "XFS with reflink=0 (the control: a plain copy)";
  const fsOrReason = loopFs({ reflink });
  if (typeof fsOrReason !== "string") made.push(fsOrReason);

  describe.skipIf(skipReason(typeof fsOrReason === "string" ? `${kind}: ${fsOrReason}` : undefined))(
    `copy-up into a host upper on ${kind} (${IN_DENO ? "Deno" : "Node"} HostFs)`,
    () => {
      it(`a 4 KiB write into a ${SIZE / MiB} MiB lower file ${reflink ? "shares its extents" : "copies every byte"}; the lower stays as it was`, () => {
        const loop = fsOrReason as LoopFs;
        const lower = `${loop.dir}/lower`;
        const upper = `${loop.dir}/upper`;
        fs.mkdirSync(lower);
        fs.mkdirSync(upper);
        const original = pattern(SIZE, 9);
        fs.writeFileSync(`${lower}/big.bin`, original);
        const image = new Image([new DirLayer(hostFs(), lower)]);
        const counted = new FaultFs(hostFs());
        const union = new Union(image, new DirLayer(counted, upper, { writable: true }));
        try {
          const free = loop.freeBytes();
          writeAt(union, "/big.bin", 0x5a, 32 * MiB);
          const used = free - loop.freeBytes();
          // NodeFs clones (FICLONE_FORCE), and a clone is not fsynced; DenoFs copies (copy_file_range) and fsyncs.
          const calls = counted.log.filter((c) => c === "cloneFile" || c === "copyFile" || c === "fsync");
          if (hostFs().cloneFile === undefined) expect(calls).toEqual(["copyFile", "fsync"]);
          else expect(calls).toEqual(reflink ? ["cloneFile"] : ["cloneFile", "copyFile", "fsync"]);

          const copy = `${upper}/big.bin`;
          expect(fs.statSync(copy).size).toBe(SIZE);
          if (reflink) {
            expect(sharedBytes(copy)).toBeGreaterThanOrEqual(SIZE - SLACK);
            expect(sharedBytes(`${lower}/big.bin`)).toBeGreaterThanOrEqual(SIZE - SLACK);
            // btrfs's statfs counts chunks, not extents: the free-space check is XFS's.
            if (loop.type === "xfs") expect(used).toBeLessThan(SIZE / 8);
          } else {
            expect(sharedBytes(copy)).toBe(0);
            expect(used).toBeGreaterThanOrEqual(SIZE);
          }

          const expected = original.slice();
          expected.fill(0x5a, 32 * MiB, 32 * MiB + BLOCK);
          expect(firstDiff(union.readFile("/big.bin") as Uint8Array, expected)).toBe(-1);
          expect(firstDiff(fs.readFileSync(copy), expected)).toBe(-1);
          expect(firstDiff(fs.readFileSync(`${lower}/big.bin`), original)).toBe(-1);

          // A later write goes into the upper copy only (a new copy-on-write block where extents are shared).
          writeAt(union, "/big.bin", 0xa5, 0);
          expected.fill(0xa5, 0, BLOCK);
          expect(firstDiff(union.readFile("/big.bin") as Uint8Array, expected)).toBe(-1);
          expect(firstDiff(fs.readFileSync(`${lower}/big.bin`), original)).toBe(-1);
          if (reflink) expect(sharedBytes(copy)).toBeGreaterThanOrEqual(SIZE - 2 * SLACK);
        } finally {
          union.close();
          image.close();
        }
      }, 60_000);
    },
  );
}

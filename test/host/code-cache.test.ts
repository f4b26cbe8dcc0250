// loadBundle (src/host/code-cache.ts): a CommonJS bundle run through node:vm with a
// V8 code cache beside it, used only when its length and CRC-32 say it is whole.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zlib from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadBundle } from "../../src/host/code-cache.ts";

const BUNDLE = `
"use strict";
const path = require("node:path");
function answer() { return 6 * 7; }
function later() { return [1, 2, 3].map((x) => x * 2).join(","); }
module.exports = { answer, later, dir: __dirname, base: path.basename(__filename), self: this === exports };
`;

let dir = "";
let bundle = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "layerfs-code-cache-"));
  bundle = join(dir, "bundle.cjs");
  writeFileSync(bundle, BUNDLE);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The CommonJS module a bundle's exports should be, whatever became of the cache. */
function expectWorks(exports: Record<string, unknown>): void {
  expect((exports.answer as () => number)()).toBe(42);
  expect((exports.later as () => string)()).toBe("2,4,6");
  expect(exports).toMatchObject({ dir, base: "bundle.cjs", self: true });
}

/** Is `file` a cache file of `of` whose header's length and CRC-32 match its payload? */
function sound(file: string, of = bundle): boolean {
  const bytes = readFileSync(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payload = bytes.subarray(20);
  return (
    bytes.subarray(0, 8).toString() === "LFSV8CC1" &&
    view.getUint32(8, true) === (zlib.crc32(payload) >>> 0) &&
    view.getUint32(12, true) === payload.length &&
    view.getUint32(16, true) === (zlib.crc32(readFileSync(of)) >>> 0)
  );
}

const hasCrc32 = typeof (zlib as { crc32?: unknown }).crc32 === "function";

describe.skipIf(!hasCrc32)("loadBundle", () => {
  it("makes the cache at the first load (every function compiled) and takes it at the next", () => {
    const first = loadBundle(bundle, {});
    expect(first.state).toBe("made");
    expectWorks(first.exports);
    expect(first.cacheFile.startsWith(`${bundle}.${process.version}-${process.arch}-`)).toBe(true);
    expect(sound(first.cacheFile)).toBe(true);
    const second = loadBundle(bundle, {});
    expect(second.state).toBe("hit");
    expect(second.cacheFile).toBe(first.cacheFile);
    expectWorks(second.exports);
    // Nothing but the bundle and its cache: no temporary file left behind.
    expect(readdirSync(dir).sort()).toEqual(["bundle.cjs", first.cacheFile.slice(dir.length + 1)].sort());
  });

  it("never hands V8 a damaged cache (a sound header over bad bytes would crash the process), and writes a sound one", () => {
    const { cacheFile } = loadBundle(bundle, {});
    const good = readFileSync(cacheFile);
    const damages: [string, Uint8Array][] = [
      ["payload bytes flipped", good.map((b, i) => (i >= 20 && i < 20 + 64 ? b ^ 0x5a : b))],
      ["truncated", good.subarray(0, good.length - 10)],
      ["longer than its header says", Buffer.concat([good, Buffer.from([1, 2, 3])])],
      ["another magic", good.map((b, i) => (i === 0 ? 0x58 : b))],
      ["shorter than a header", good.subarray(0, 5)],
      ["empty", new Uint8Array(0)],
    ];
    for (const [what, bytes] of damages) {
      writeFileSync(cacheFile, bytes);
      const loaded = loadBundle(bundle, {});
      expect(loaded.state, what).toBe("damaged");
      expectWorks(loaded.exports);
      expect(sound(cacheFile), what).toBe(true);
      expect(loadBundle(bundle, {}).state, what).toBe("hit");
    }
  });

  it("makes the cache again when it was made from another bundle, even one of the same length (V8 checks only the length)", () => {
    for (const change of ["6 * 7", "6 * 7; }"]) {
      const { cacheFile } = loadBundle(bundle, {});
      const other = join(dir, "other.cjs");
      writeFileSync(other, BUNDLE.replace("6 * 7", change === "6 * 7" ? "6 * 8" : "6 * 8; } function x() { return 1;"));
      const otherCache = loadBundle(other, {}).cacheFile;
      writeFileSync(cacheFile, readFileSync(otherCache)); // sound, but of other.cjs
      const loaded = loadBundle(bundle, {});
      expect(loaded.state).toBe("rejected");
      expectWorks(loaded.exports); // this bundle's code, not other.cjs's (6 * 8)
      expect(sound(cacheFile)).toBe(true);
      expect(loadBundle(bundle, {}).state).toBe("hit");
      rmSync(other);
      rmSync(otherCache);
    }
  });

  it("makes the whole cache again when V8 refuses a sound one (not the part its first compile did)", () => {
    const made = loadBundle(bundle, {}); // made whole at once: what a remade one must hold too
    const refused = join(dir, "refused.cjs");
    writeFileSync(refused, BUNDLE);
    const cacheFile = refused + made.cacheFile.slice(bundle.length);
    // A sound header over bytes that are no V8 cache: V8's own check refuses them (no crash).
    const payload = new Uint8Array(4096).fill(7);
    const header = Buffer.alloc(20);
    header.write("LFSV8CC1");
    header.writeUInt32LE(zlib.crc32(payload) >>> 0, 8);
    header.writeUInt32LE(payload.length, 12);
    header.writeUInt32LE(zlib.crc32(readFileSync(refused)) >>> 0, 16);
    writeFileSync(cacheFile, Buffer.concat([header, payload]));
    const loaded = loadBundle(refused, {});
    expect(loaded).toMatchObject({ state: "rejected", cacheFile });
    expect((loaded.exports.answer as () => number)()).toBe(42);
    expect(sound(cacheFile, refused)).toBe(true);
    // Every function (the script name inside differs a little): not only the top level V8 compiled when it refused.
    expect(readFileSync(cacheFile).length).toBeGreaterThanOrEqual(readFileSync(made.cacheFile).length);
    expect(loadBundle(refused, {}).state).toBe("hit");
  });

  it("keeps one cache per set of node flags (V8 refuses a cache made under other flags)", () => {
    const plain = loadBundle(bundle, {}).cacheFile;
    const flagged = loadBundle(bundle, { NODE_OPTIONS: "--max-old-space-size=100" });
    expect(flagged.state).toBe("made");
    expect(flagged.cacheFile).not.toBe(plain);
    expect(loadBundle(bundle, {}).state).toBe("hit");
  });

  it("runs without a cache where it cannot write one, leaving nothing behind", () => {
    const { cacheFile } = loadBundle(bundle, {});
    rmSync(cacheFile);
    // A directory where the cache file goes: reading it fails, and so does renaming over it.
    mkdirSync(cacheFile);
    writeFileSync(join(cacheFile, "x"), "");
    for (let i = 0; i < 2; i++) {
      const loaded = loadBundle(bundle, {});
      expect(loaded.state).toBe("damaged"); // not a regular file
      expectWorks(loaded.exports);
    }
    expect(readdirSync(dir).sort()).toEqual(["bundle.cjs", cacheFile.slice(dir.length + 1)].sort());
  });

  it("reads only a regular file of sane size (a FIFO would block, a huge file fill memory)", () => {
    const { cacheFile } = loadBundle(bundle, {});
    rmSync(cacheFile);
    expect(spawnSync("mkfifo", [cacheFile]).status).toBe(0);
    const fifo = loadBundle(bundle, {});
    expect(fifo.state).toBe("damaged");
    expectWorks(fifo.exports);
    expect(statSync(cacheFile).isFile()).toBe(true); // made again over the FIFO
    truncateSync(cacheFile, 65 * 1024 * 1024); // sparse: 65 MiB of zeros
    expect(loadBundle(bundle, {}).state).toBe("damaged");
    expect(sound(cacheFile)).toBe(true);
  });

  it("LAYERFS_CODE_CACHE=0 turns it off: no cache read or written", () => {
    const loaded = loadBundle(bundle, { LAYERFS_CODE_CACHE: "0" });
    expect(loaded).toMatchObject({ state: "off", cacheFile: "" });
    expectWorks(loaded.exports);
    expect(readdirSync(dir)).toEqual(["bundle.cjs"]);
  });

  it("throws the read error for a missing bundle", () => {
    expect(() => loadBundle(join(dir, "missing.cjs"), {})).toThrow(/ENOENT/);
  });
});

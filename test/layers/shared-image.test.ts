// One image across workers: shareImage / imageFromShared round trips (tar bytes
// shared zero-copy, other layers serialized once), and guests in several
// workers (worker_threads in Node, Web Workers in Deno and Chromium) over one
// shared image, each request in its own upper, none seeing another's writes.
// Portable: Chromium runs it cross-origin isolated (vitest.browser.config.ts headers).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Image, imageFromShared, MemoryLayer, shareImage, TarLayer, Union } from "../../src/mod.ts";
import { layerProblems } from "../../src/testing/mod.ts";
import type { SharedImage, SharedTarLayer, SharedTreeLayer } from "../../src/mod.ts";
import { Pool } from "../../examples/serverless/pool.ts";
import { loadFixtureBytes } from "../support/fixtures.ts";
import { renderLayer } from "../support/oracle-format.ts";
import { skipReason } from "../support/index.ts";
import { layerToTar } from "./layer-to-tar.ts";

const T = 1_600_000_000_000_000_000n;
const noSab = typeof SharedArrayBuffer === "undefined" ? "SharedArrayBuffer is unavailable (not cross-origin isolated)" : undefined;

function sabCopy(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(new SharedArrayBuffer(bytes.length));
  out.set(bytes);
  return out;
}

function buildImage(): Image {
  const base = MemoryLayer.from(
    { "etc/motd": "from the tar layer\n", "etc/hostname": "tar\n", "usr/bin/tool": { file: "#!x", mode: 0o755 }, "usr/lib/": {}, "usr/lib/link": { symlink: "../bin/tool" } },
    { timeNs: T },
  );
  const tar = TarLayer.fromBytes(sabCopy(layerToTar(base)), { name: "base.tar" });
  const app = MemoryLayer.from(
    {
      "etc/hostname": "app\n",
      "etc/.wh.motd": "",
      "srv/data/a.txt": "alpha\n",
      "srv/data/hard": { link: "srv/data/a.txt" },
      "srv/big.bin": { file: { size: 300_000, fill: new Uint8Array([1, 2, 3, 4, 5, 6, 7]) } },
      "srv/secret": { file: "s", mode: 0o600, uid: 7, gid: 8 },
    },
    { timeNs: T, freeze: true },
  );
  return new Image([tar, app]);
}

describe.skipIf(skipReason(noSab))("shareImage / imageFromShared", () => {
  it("shares a TarLayer's SharedArrayBuffer bytes without copying and serializes its index", () => {
    const image = buildImage();
    const shared = shareImage(image);
    const tar = shared.layers[0] as SharedTarLayer;
    expect(tar.kind).toBe("tar");
    expect(tar.tar.buffer).toBe((image.layers[0] as TarLayer).source.view!(0, 1)!.buffer);
    expect(tar.index.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(tar.name).toBe("base.tar");
    const tree = shared.layers[1] as SharedTreeLayer;
    expect(tree.kind).toBe("tree");
    expect(tree.content.buffer).toBeInstanceOf(SharedArrayBuffer);
    // etc/hostname, a.txt once (hard link), big.bin, secret
    expect(tree.content.length).toBe(4 + 6 + 300_000 + 1);
  });

  it("mounts the same tree: every layer renders identically and passes layerProblems", async () => {
    const image = buildImage();
    const back = imageFromShared(structuredClone(shareImage(image)) as SharedImage);
    for (let i = 0; i < image.layers.length; i++) {
      expect(await renderLayer(back.layers[i]!)).toEqual(await renderLayer(image.layers[i]!));
      expect(layerProblems(back.layers[i]!, { writable: false })).toEqual([]);
    }
    const u = new Union(back, new MemoryLayer());
    expect(u.exists("/etc/motd")).toBe(false);
    expect(new TextDecoder().decode(u.readFile("/etc/hostname"))).toBe("app\n");
    expect(u.stat("/srv/data/hard").nlink).toBe(2);
    expect(u.stat("/srv/data/hard").ino).toBe(u.stat("/srv/data/a.txt").ino);
    const big = u.readFile("/srv/big.bin");
    expect(big.length).toBe(300_000);
    expect([big[0], big[6], big[7], big[299_999]]).toEqual([1, 7, 1, (299_999 % 7) + 1]);
  });

  it("refuses a writable layer that is not frozen, and what is not a shared image", () => {
    expect(() => shareImage(new Image([new MemoryLayer()]))).toThrow(/layer 0 is writable; freeze it first/);
    expect(() => imageFromShared({} as SharedImage)).toThrow(/not a shared image/);
    const bad = { format: "layerfs-shared-image/1", layers: [{ kind: "zip" }] } as unknown as SharedImage;
    expect(() => imageFromShared(bad)).toThrow(/layer 0 is not a shared layer/);
    const tree = shareImage(new Image([MemoryLayer.from({ a: "xyz" }, { freeze: true })])).layers[0] as SharedTreeLayer;
    const cut = { format: "layerfs-shared-image/1", layers: [{ ...tree, content: tree.content.subarray(0, 1) }] } as SharedImage;
    expect(() => imageFromShared(cut)).toThrow(/a lies outside the shared content/);
  });
});

describe.skipIf(skipReason(noSab))("guests in several workers over one shared image", () => {
  let pool: Pool;
  let image: Image;
  beforeAll(async () => {
    image = buildImage();
    const wasm = await loadFixtureBytes(new URL("../../examples/serverless/handler.wasm", import.meta.url));
    pool = await Pool.start({ image: shareImage(image), module: await WebAssembly.compile(wasm), size: 3, timeoutMs: 20_000, maxQueue: 6 });
  });
  afterAll(() => pool?.close());

  it("each guest, on every worker, sees the image and only its own writes", async () => {
    const n = 9;
    // All guests write the same path too: with 3 workers, 3 run at once.
    const runs = Array.from({ length: n }, (_, i) =>
        pool.run({
          args: ["write", `/srv/data/mine-${i}`, `guest ${i}\n`, "write", "/srv/data/same", `same ${i}\n`, "rm", "/srv/data/a.txt", "append", "/etc/hostname", `+${i}\n`,
            "ls", "/srv/data", "cat", "/etc/hostname", "cat", "/srv/data/hard", "cat", "/srv/data/same"],
          changes: true,
        }),
    );
    // 3 running + 6 queued (maxQueue): a 10th is refused at once.
    expect(await pool.run({ args: ["hello"] })).toEqual({ status: "busy", ms: 0 });
    const results = await Promise.all(runs);
    const workers = new Set<number>();
    results.forEach((r, i) => {
      expect(r.status).toBe("done");
      if (r.status !== "done") return;
      workers.add(r.worker);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toBe(`hard\nmine-${i}\nsame\napp\n+${i}\nalpha\nsame ${i}\n`);
      expect(r.changes).toEqual([
        { kind: "C", path: "/etc/hostname" },
        { kind: "C", path: "/srv/data" },
        { kind: "D", path: "/srv/data/a.txt" },
        { kind: "A", path: `/srv/data/mine-${i}` },
        { kind: "A", path: "/srv/data/same" },
      ]);
    });
    expect(workers.size).toBe(3); // really spread over the workers, not one thread
    // The image itself is untouched, here and for the next guest.
    const u = new Union(image, new MemoryLayer());
    expect(u.readdir("/srv/data").sort()).toEqual(["a.txt", "hard"]);
    const after = await pool.run({ args: ["ls", "/srv/data", "cat", "/etc/hostname"] });
    expect(after.status === "done" && after.stdout).toBe("a.txt\nhard\napp\n");
  });
});

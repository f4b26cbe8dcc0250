// TarLayer over a tar file read with Deno's FsFile (DenoFileSource), under Deno's
// own test runner (`deno test -A`): checkLayer passes and a union over two tar
// layers applies the whiteout of the top one.
import assert from "node:assert/strict";
import { checkLayer } from "../../src/testing/mod.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { tarLayer } from "../../src/host/deno.ts";
import { rawEntry, tar } from "../layers/tar-builder.ts";

// Typed locally so the project's Node `tsc --noEmit` (no Deno types) also accepts this file.
interface DenoApi {
  test(name: string, fn: () => void): void;
  makeTempDirSync(options?: { prefix?: string }): string;
  writeFileSync(path: string, data: Uint8Array): void;
  removeSync(path: string, options?: { recursive?: boolean }): void;
}
const Deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

Deno.test("TarLayer over Deno FsFile: checkLayer and a whiteout across two tar layers", () => {
  const dir = Deno.makeTempDirSync({ prefix: "layerfs-deno-tar-" });
  try {
    Deno.writeFileSync(`${dir}/base.tar`, tar(
      rawEntry({ name: "etc/hostname", data: "base\n" }),
      rawEntry({ name: "etc/passwd", data: "root:x:0:0\n" }),
      rawEntry({ name: "big", data: new Uint8Array(100_000).fill(7) }),
      rawEntry({ name: "hn", type: "2", linkname: "etc/hostname" }),
    ));
    Deno.writeFileSync(`${dir}/top.tar`, tar(rawEntry({ name: "etc/.wh.passwd", data: "" })));
    const base = tarLayer(`${dir}/base.tar`);
    const top = tarLayer(`${dir}/top.tar`);
    checkLayer(base, { expected: ["etc/", "etc/hostname", "big", "hn"] });
    const union = new Union(new Image([base, top]), new MemoryLayer());
    assert.deepEqual(union.readdir("/etc"), ["hostname"]);
    assert.equal(union.readFile("/hn", "utf8"), "base\n");
    assert.equal((union.readFile("/big") as Uint8Array).length, 100_000);
    base.close();
    top.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

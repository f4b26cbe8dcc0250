// DirLayer over Deno's own APIs, under Deno's own test runner (`deno test -A`):
// read-only and writable host-directory layers pass the shared conformance checker,
// and a union over them stores its changes on disk in aufs form.
import assert from "node:assert/strict";
import { checkLayer } from "../../src/testing/mod.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { dirLayer } from "../../src/host/deno.ts";

// Typed locally so the project's Node `tsc --noEmit` (no Deno types) also accepts this file.
interface DenoApi {
  test(name: string, fn: () => void): void;
  makeTempDirSync(options?: { prefix?: string }): string;
  mkdirSync(path: string, options?: { recursive?: boolean }): void;
  writeTextFileSync(path: string, data: string): void;
  readTextFileSync(path: string): string;
  symlinkSync(target: string, path: string): void;
  linkSync(existing: string, path: string): void;
  removeSync(path: string, options?: { recursive?: boolean }): void;
  lstatSync(path: string): { size: number; isFile: boolean };
}
const Deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

function lowerTree(): string {
  const base = Deno.makeTempDirSync({ prefix: "layerfs-deno-test-" });
  const root = `${base}/lower`;
  Deno.mkdirSync(`${root}/dir/sub`, { recursive: true });
  Deno.writeTextFileSync(`${root}/a.txt`, "alpha\n");
  Deno.writeTextFileSync(`${root}/dir/b.txt`, "bravo\n");
  Deno.writeTextFileSync(`${root}/dir/sub/c.txt`, "charlie\n");
  Deno.symlinkSync("a.txt", `${root}/link`);
  Deno.linkSync(`${root}/a.txt`, `${root}/hard.txt`);
  return base;
}

Deno.test("a read-only DirLayer over Deno's APIs passes checkLayer", () => {
  const base = lowerTree();
  try {
    checkLayer(dirLayer(`${base}/lower`), { expected: ["a.txt", "dir/", "dir/sub/c.txt", "link", "hard.txt"] });
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
});

Deno.test("a writable DirLayer over Deno's APIs passes checkLayer's mutation suite", () => {
  const base = lowerTree();
  try {
    checkLayer(dirLayer(`${base}/lower`, { writable: true }), { writable: true });
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
});

Deno.test("a union of DirLayers keeps the lower intact and records copy-up and whiteouts on disk", () => {
  const base = lowerTree();
  try {
    Deno.mkdirSync(`${base}/upper`);
    const u = new Union(new Image([dirLayer(`${base}/lower`)]), dirLayer(`${base}/upper`, { writable: true }));
    u.writeFile("/dir/b.txt", "changed\n");
    u.unlink("/a.txt");
    assert.equal(u.readFile("/dir/b.txt", "utf8"), "changed\n");
    assert.equal(Deno.readTextFileSync(`${base}/upper/dir/b.txt`), "changed\n");
    assert.equal(Deno.lstatSync(`${base}/upper/.wh.a.txt`).size, 0);
    assert.equal(Deno.readTextFileSync(`${base}/lower/dir/b.txt`), "bravo\n");
    assert.equal(Deno.readTextFileSync(`${base}/lower/a.txt`), "alpha\n");
    // docker diff: /dir was only copied up as b.txt's parent (same mode and mtime), so it is not listed.
    assert.deepEqual(u.changes().map((c) => `${c.kind} ${c.path}`), ["D /a.txt", "C /dir/b.txt"]);
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
});

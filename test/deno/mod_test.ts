// Deno's own test runner (`deno test -A`, configured in deno.json) over the library entry.
// The vitest suite also runs inside Deno; this file proves plain `deno test` usage works.
import assert from "node:assert/strict";
import { Image, MemoryLayer, Union } from "../../mod.ts";

// Typed locally so the project's Node `tsc --noEmit` (no Deno types) also accepts this file.
const Deno = (globalThis as unknown as { Deno: { test(name: string, fn: () => void): void } }).Deno;

Deno.test("mod.ts loads in Deno and exports the public classes", () => {
  assert.equal(typeof Image, "function");
  assert.equal(typeof Union, "function");
  assert.equal(typeof MemoryLayer, "function");
});

Deno.test("a union reads through to its image and keeps writes in its upper layer", () => {
  const image = new Image([MemoryLayer.from({ "etc/motd": "from the image\n" })]);
  const u = new Union(image, new MemoryLayer());
  assert.equal(u.readFile("/etc/motd", "utf8"), "from the image\n");
  u.writeFile("/etc/motd", "changed\n");
  assert.equal(u.readFile("/etc/motd", "utf8"), "changed\n");
  assert.equal(new Union(image, new MemoryLayer()).readFile("/etc/motd", "utf8"), "from the image\n");
});

// Issue 11 item 1: a union gives back every host descriptor it takes. Every operation that
// opens a layer file or a host descriptor (copy-up by write, truncate, chmod, rename, link,
// deep rename and breaking a relocated hard link, readdir, handles retargeted by copy-up,
// failures half-way) runs over DirLayers on a descriptor-counting FaultFs, for a host upper
// and for a memory upper. Afterwards the count is back where it was: a memory upper over a
// host lower shares a bounded pool of read-only descriptors (`close()` empties it), never one
// descriptor per copied-up file. Runs in Node (node:fs) and in Deno (Deno's own APIs).
import { afterAll, describe, expect, it } from "vitest";
import { Errno, isFsError } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import type { WritableLayer } from "../../src/core/layer.ts";
import { Union } from "../../src/core/union.ts";
import { FaultFs } from "../../src/host/fault-fs.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { run } from "../../src/wasi/run.ts";
import { cleanup, fsForSetup as fs, hostFs, IN_DENO, makeTree, pathForSetup as path, tempDir } from "./helpers.ts";

const bases: string[] = [];
afterAll(() => bases.forEach(cleanup));

const FILES = 200; // more than the source pool holds (16)
const COPYUP_MANY = path.join(import.meta.dirname ?? ".", "../wasm/copyup_many.wasm");

function world(kind: "host" | "memory") {
  const base = tempDir("layerfs-fds-", true);
  bases.push(base);
  const spec: Record<string, string | Uint8Array> = { "dir/": "", "big.bin": new Uint8Array(300_000).fill(7) };
  for (let i = 0; i < FILES; i++) spec[`many/f${i}`] = `lower ${i}\n`;
  for (let i = 0; i < 50; i++) spec[`pad/f${String(i).padStart(5, "0")}`] = `lower ${i}\n`; // copyup_many's names
  makeTree(`${base}/lower`, spec);
  makeTree(`${base}/lower`, { "many/h1": "hard\n" });
  fs.linkSync(`${base}/lower/many/h1`, `${base}/lower/many/h2`); // a hard-linked lower pair
  fs.mkdirSync(`${base}/upper`);
  const faulty = new FaultFs(hostFs());
  const lower = new DirLayer(faulty, `${base}/lower`);
  const upper: WritableLayer = kind === "host" ? new DirLayer(faulty, `${base}/upper`, { writable: true }) : new MemoryLayer();
  const union = new Union(new Image([lower]), upper);
  return { base, faulty, lower, upper, union };
}

function append(u: Union, path: string, text: string): void {
  const f = u.open(path, { write: true });
  try {
    f.write(new TextEncoder().encode(text), f.stat().size);
  } finally {
    f.close();
  }
}

describe(`host descriptors through a union (${IN_DENO ? "Deno" : "Node"} HostFs)`, () => {
  for (const kind of ["host", "memory"] as const) {
    it(`${kind} upper: copy-ups and every other opening operation leave no descriptor behind`, () => {
      const { faulty, lower, union } = world(kind);
      const open = () => faulty.openCount;
      // Bounded: at most the lower's source pool (memory upper), nothing at all for a host upper.
      const bound = kind === "memory" ? 16 : 0;
      for (let i = 0; i < FILES; i++) append(union, `/many/f${i}`, "appended\n");
      expect(open()).toBeLessThanOrEqual(bound);
      for (let i = 0; i < FILES; i += 37) expect(union.readFile(`/many/f${i}`, "utf8")).toBe(`lower ${i}\nappended\n`);
      expect(open()).toBeLessThanOrEqual(bound);

      // The other copy-up triggers and layer-file openers.
      union.truncate("/big.bin", 1000);
      union.chmod("/many/f1", 0o600);
      union.rename("/many/f2", "/dir/moved");
      union.link("/many/f3", "/dir/linked");
      union.readdir("/many");
      union.writeFile("/dir/new", "new\n");
      // A read handle on a lower file, retargeted by a copy-up through another handle, then closed.
      const reader = union.open("/many/f4");
      append(union, "/many/f4", "more\n");
      const buf = new Uint8Array(64);
      expect(new TextDecoder().decode(buf.subarray(0, reader.read(buf, 0)))).toBe("lower 4\nappended\nmore\n");
      reader.close();
      // Deep rename relocates the hard-linked pair; changing one alias breaks the link (breakAlias).
      union.rename("/many", "/moved");
      append(union, "/moved/h1", "alias\n");
      expect(union.readFile("/moved/h1", "utf8")).toBe("hard\nalias\n");
      expect(union.readFile("/moved/h2", "utf8")).toBe("hard\n");
      expect(open()).toBeLessThanOrEqual(bound);
      // A failing operation half-way (the source is missing) leaves nothing open either.
      expect(() => union.link("/nope", "/dir/x")).toThrow();
      expect(() => union.rename("/moved/none", "/dir/y")).toThrow();
      expect(open()).toBeLessThanOrEqual(bound);

      union.close();
      lower.close();
      expect(faulty.openPaths()).toEqual([]);
    });
  }

  it("host upper: a copy-up failing at every host call closes what it opened", () => {
    const { faulty, union } = world("host");
    let failures = 0;
    for (let failAt = 1; failAt < 40; failAt++) {
      faulty.arm({ failAt, errno: Errno.NOSPC });
      try {
        append(union, `/many/f${failAt}`, "x");
      } catch (e) {
        expect(isFsError(e)).toBe(true);
        failures++;
      }
      faulty.arm({});
      expect(faulty.openPaths(), `after a fault at call ${failAt}`).toEqual([]);
    }
    expect(failures).toBeGreaterThan(0);
    union.close();
  });

  it("memory upper over a host lower: thousands of copied-up files share the bounded pool", () => {
    const { faulty, lower, upper, union } = world("memory");
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < FILES; i++) union.chmod(`/many/f${i}`, 0o600 + round); // metadata copy-up, no data read
    }
    for (let i = 0; i < FILES; i++) expect(union.readFile(`/many/f${i}`, "utf8")).toBe(`lower ${i}\n`);
    expect((upper as MemoryLayer).usage().referencing).toBe(FILES); // still lazy: nothing copied
    expect(faulty.openCount).toBe(lower.pooledDescriptors);
    expect(lower.pooledDescriptors).toBeLessThanOrEqual(16);
    lower.close();
    expect(faulty.openCount).toBe(0);
    // Still readable: the pool reopens (and checks it is the same file).
    expect(union.readFile("/many/f5", "utf8")).toBe("lower 5\n");
    lower.close();
    expect(faulty.openCount).toBe(0);
  });

  for (const kind of ["host", "memory"] as const) {
    it(`${kind} upper: a WASI guest that exits with files still open leaves no descriptor behind`, async () => {
      const { faulty, lower, union } = world(kind);
      const out: Uint8Array[] = [];
      const code = await run(fs.readFileSync(COPYUP_MANY), {
        union, args: ["copyup_many", "/pad", "50", "+guest\n", "keep-open"], stdout: (b) => out.push(b.slice()), stderr: "ignore",
      });
      expect(code).toBe(0);
      expect(new TextDecoder().decode(out[0])).toBe("appended 50\n");
      expect(faulty.openCount).toBeLessThanOrEqual(kind === "memory" ? 16 : 0);
      union.close();
      lower.close();
      expect(faulty.openPaths()).toEqual([]);
    });
  }
});

// No import cycle in src/: neither between files nor between folders (type-only
// imports count: a type cycle is still a knot). A small import-graph walk over the
// sources, so no dependency is needed. Node only (it reads the tree from disk).
import { describe, expect, it } from "vitest";
import { cyclesOf, folderGraph, importGraph, importSpecifiers } from "./import-graph.ts";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

/** Folder edges tolerated, each "from -> to" with the files it may join (none today). */
const KNOWN_FOLDER_EDGES: ReadonlyArray<{ from: string; to: string; files: RegExp }> = [];

describe("import-graph walk", () => {
  it("finds every kind of import and ignores comments", () => {
    const text = [
      'import { a } from "./a.ts";',
      "import type {\n  B,\n} from '../b.ts';",
      'export { c } from "./c.ts";',
      'import "./d.ts";',
      'let e: import("./e.ts").E; const url = "http://x/";',
      '// import { no } from "./comment.ts";',
      '/* import("./block.ts") */ import { f } from "node:fs";',
    ].join("\n");
    expect(importSpecifiers(text)).toEqual(["./a.ts", "../b.ts", "./c.ts", "./d.ts", "./e.ts"]);
  });

  it("reports file and folder cycles", () => {
    const g = new Map([["x/a.ts", new Set(["x/b.ts"])], ["x/b.ts", new Set(["y/c.ts"])], ["y/c.ts", new Set(["x/a.ts"])], ["y/d.ts", new Set<string>()]]);
    expect(cyclesOf(g)).toEqual([["x/a.ts", "x/b.ts", "y/c.ts"]]);
    expect(cyclesOf(folderGraph(g, 1).edges)).toEqual([["x", "y"]]);
    expect(cyclesOf(new Map([["s", new Set(["s"])]]))).toEqual([["s"]]);
  });
});

describe("import graph of src/", () => {
  const files = importGraph(SRC);

  it("reads the whole tree (a walk that found nothing would pass vacuously)", () => {
    expect(files.size).toBeGreaterThan(50);
    expect(files.get("core/union.ts")).toContain("core/union-types.ts");
    // import type and import() type queries count too.
    expect([...files.get("core/file.ts")!]).toContain("core/union-types.ts");
  });

  it("has no cycle between files", () => {
    expect(cyclesOf(files)).toEqual([]);
  });

  // Top-level folders (core, layers, host, ...), then every folder: a subfolder belongs
  // to its parent (cli/commands may use cli/args.ts while cli/main.ts dispatches to it),
  // so only edges between folders neither of which contains the other count there.
  it("has no cycle between folders (top-level folders, then sibling subfolders)", () => {
    for (const depth of [1, Infinity]) {
      const { edges, witnesses } = folderGraph(files, depth);
      if (depth > 1) {
        const inside = (a: string, b: string): boolean => a === "." || b.startsWith(a + "/");
        for (const [a, tos] of edges) for (const b of tos) if (inside(a, b) || inside(b, a)) tos.delete(b);
      }
      for (const known of KNOWN_FOLDER_EDGES) {
        const w = witnesses.get(`${known.from} -> ${known.to}`);
        // A stale exception hides the next edge of that kind: remove it once the edge is gone.
        if (depth === 1) expect(w, `the ${known.from} -> ${known.to} edge is gone: delete it from KNOWN_FOLDER_EDGES`).toBeDefined();
        if (w === undefined) continue;
        // The exception covers only the named imports; any other file making the edge fails.
        expect([...w].filter((x) => !known.files.test(x))).toEqual([]);
        edges.get(known.from)?.delete(known.to);
      }
      const cycles = cyclesOf(edges).map((c) => c.map((f, i) => `${f} -> ${c[(i + 1) % c.length]}: ${[...witnesses.get(`${f} -> ${c[(i + 1) % c.length]}`)!][0]}`));
      expect(cycles).toEqual([]);
    }
  });
});

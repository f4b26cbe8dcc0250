// The import graph of a source tree, read from the text: every relative specifier of
// `import ... from`, `export ... from`, a bare `import "x"` and `import("x")` (type
// queries included), comments stripped first. Good enough for this code base's
// formatting, and it needs no parser: a missed or invented edge shows up as a test
// that names it.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";

/** Each file (path relative to the root, "/"-separated) -> the files it imports. */
export type Graph = Map<string, Set<string>>;

const STATIC = /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"'\n]+)["']/gm;
const BARE = /^\s*import\s*["']([^"'\n]+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"'\n]+)["']\s*\)/g;

/** Text without block comments and whole-line or trailing `//` comments (a `//` inside a string is kept). */
export function stripComments(text: string): string {
  let out = "";
  let i = 0;
  let quote: string | undefined;
  while (i < text.length) {
    const c = text[i]!;
    if (quote !== undefined) {
      out += c;
      if (c === "\\") out += text[++i] ?? "";
      else if (c === quote || (c === "\n" && quote !== "`")) quote = undefined;
      i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end;
    } else {
      if (c === '"' || c === "'" || c === "`") quote = c;
      out += c;
      i++;
    }
  }
  return out;
}

/** Relative specifiers imported by one module's text. */
export function importSpecifiers(text: string): string[] {
  const code = stripComments(text);
  const out: string[] = [];
  for (const re of [STATIC, BARE, DYNAMIC]) for (const m of code.matchAll(re)) out.push(m[1]!);
  return out.filter((s) => s.startsWith("./") || s.startsWith("../"));
}

/** The graph of every .ts file under `root`; an import leaving the root is left out. */
export function importGraph(root: string): Graph {
  const graph: Graph = new Map();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) {
        const from = relative(root, p).split("\\").join("/");
        const to = new Set<string>();
        for (const spec of importSpecifiers(readFileSync(p, "utf8"))) {
          const target = posix.normalize(posix.join(posix.dirname(from), spec));
          if (!target.startsWith("../")) to.add(target);
        }
        graph.set(from, to);
      }
    }
  };
  walk(root);
  return graph;
}

/**
 * Folder graph: a file's folder is its directory cut to `depth` components ("."
 * for files at the root). `witnesses` says which file imports make each edge.
 */
export function folderGraph(files: Graph, depth: number): { edges: Graph; witnesses: Map<string, Set<string>> } {
  const folderOf = (f: string): string => {
    const d = dirname(f);
    return d === "." ? "." : d.split("/").slice(0, depth).join("/");
  };
  const edges: Graph = new Map();
  const witnesses = new Map<string, Set<string>>();
  for (const [from, tos] of files) {
    const a = folderOf(from);
    if (!edges.has(a)) edges.set(a, new Set());
    for (const to of tos) {
      const b = folderOf(to);
      if (a === b) continue;
      edges.get(a)!.add(b);
      const key = `${a} -> ${b}`;
      if (!witnesses.has(key)) witnesses.set(key, new Set());
      witnesses.get(key)!.add(`${from} -> ${to}`);
    }
  }
  return { edges, witnesses };
}

/** One cycle (as a node list) per strongly connected component with more than one node or a self-loop (Tarjan). */
export function cyclesOf(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    for (;;) {
      const w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
      if (w === v) break;
    }
    if (scc.length > 1 || graph.get(v)?.has(v)) out.push(cycleIn(graph, new Set(scc)));
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

/** A shortest cycle through the smallest node of a strongly connected component (breadth-first). */
function cycleIn(graph: Graph, scc: Set<string>): string[] {
  const start = [...scc].sort()[0]!;
  const parent = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!scc.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(parent.get(path[0]!)!);
        return path;
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

// Model-based test (fast-check fc.commands): random operation sequences applied both to
// a Union over random lower layers and to a deliberately simple flattened model (a Map
// from path to node, written independently of the union code). After every step the
// whole visible tree, the errno of the operation, inode stability, the OCI form of the
// upper (applied over the lowers by an independent applier) and changes() are checked.
// Runs: LAYERFS_MODEL_RUNS (default 2000, up to 130 steps each, 60 on average); a failure is shrunk to
// a short sequence and printed with the LAYERFS_MODEL_SEED and LAYERFS_MODEL_RUNS that
// replay it (the same run and the same shrinking); LAYERFS_MODEL_BASE_SEED is the
// seed's other name, kept for old scripts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import type { UnionFile } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import type { MemorySpec } from "../../src/layers/memory.ts";
import { draws } from "../support/draw.ts";
import type { Draw } from "../support/draw.ts";
import { env } from "../support/index.ts";
import { NAMES, randLayer } from "./random-layer.ts";
import { diffTrees, ociApply, snapshotUnion } from "./tree.ts";
import type { FlatTree } from "./tree.ts";

// ---------------------------------------------------------------- inputs ---


/** File content: 0..5 characters of a small alphabet. */
const content = fc.array(fc.constantFrom("x", "y", "z", "0", "1"), { maxLength: 5 }).map((a) => a.join(""));

/** A symlink target: 1..3 components (20% ".."), absolute 40% of the time. */
const target = fc.tuple(
  fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant("..") }, { weight: 4, arbitrary: fc.constantFrom(...NAMES) }), { minLength: 1, maxLength: 3 }),
  fc.oneof({ weight: 2, arbitrary: fc.constant("/") }, { weight: 3, arbitrary: fc.constant("") }),
).map(([parts, root]) => root + parts.join("/"));

/** An absolute path of 1..3 components, now and then ".", ".." or a whiteout name. */
const randomPath = fc.array(fc.oneof(
  { weight: 4, arbitrary: fc.constant(".") }, { weight: 5, arbitrary: fc.constant("..") },
  { weight: 3, arbitrary: fc.constant(".wh.a") }, { weight: 88, arbitrary: fc.constantFrom(...NAMES) },
), { minLength: 1, maxLength: 3 }).map((parts) => "/" + parts.join("/"));

/** A path argument: half the time a name the model holds at that step (so successes are common). */
interface PathArg {
  existing: boolean;
  index: number;
  path: string;
}
const pathArg: fc.Arbitrary<PathArg> = fc.record({ existing: fc.boolean(), index: fc.nat(), path: randomPath });

// ---------------------------------------------------------------- model ---

interface MNode {
  type: "file" | "dir" | "symlink";
  mode: number;
  content: string;
  target: string;
  /** A directory that came from the lower layers (renameDir "exdev" refuses to move it). */
  fromLower?: boolean;
  /** A file with lower hard-link aliases: its number may be shared, and changes on copy-up (kernel). */
  lowerAlias?: boolean;
}

class ModelError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}
const fail = (code: string): never => {
  throw new ModelError(code);
};

const ROOT: MNode = { type: "dir", mode: 0o755, content: "", target: "" };

interface MLookup {
  dir: string; // "" for the root, else "/a/b"
  name: string;
  node: MNode | undefined;
  key: string;
  special: boolean;
}

/** The reference: a flat map "/a/b" -> node; hard links are one object under two keys. */
class Model {
  readonly m = new Map<string, MNode>();

  constructor(tree: FlatTree, readonly exdev = false) {
    for (const [k, v] of tree) {
      this.m.set(k, { type: v.type, mode: v.mode, content: v.content ?? "", target: v.target ?? "", fromLower: v.type === "dir" });
    }
  }

  get(key: string): MNode | undefined {
    return key === "" ? ROOT : this.m.get(key);
  }

  resolve(path: string, follow: boolean): MLookup {
    let queue = path.split("/").filter((c) => c !== "");
    const cur: string[] = [];
    let hops = 0;
    for (;;) {
      const key = () => (cur.length === 0 ? "" : "/" + cur.join("/"));
      if (queue.length === 0) return { dir: key(), name: "", node: this.get(key()), key: key(), special: true };
      const name = queue.shift()!;
      const last = queue.length === 0;
      if (name === "." || name === "..") {
        if (name === "..") cur.pop();
        if (last) return { dir: key(), name, node: this.get(key()), key: key(), special: true };
        continue;
      }
      const k = key() + "/" + name;
      const node = name.startsWith(".wh.") ? undefined : this.m.get(k);
      if (node === undefined) {
        if (last) return { dir: key(), name, node: undefined, key: k, special: false };
        fail("ENOENT");
      }
      if (node!.type === "symlink" && (!last || follow)) {
        if (++hops > 40) fail("ELOOP");
        const t = node!.target;
        if (t.startsWith("/")) cur.length = 0;
        queue = [...t.split("/").filter((c) => c !== ""), ...queue];
        continue;
      }
      if (last) return { dir: key(), name, node, key: k, special: false };
      if (node!.type !== "dir") fail("ENOTDIR");
      cur.push(name);
    }
  }

  keysUnder(key: string): string[] {
    return [...this.m.keys()].filter((k) => k === key || k.startsWith(key + "/"));
  }

  children(key: string): string[] {
    const prefix = key + "/";
    return [...this.m.keys()].filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes("/"))
      .map((k) => k.slice(prefix.length));
  }

  writeFile(path: string, data: string): void {
    const r = this.resolve(path, true);
    if (r.node === undefined) {
      if (r.name.startsWith(".wh.")) fail("EPERM");
      this.m.set(r.key, { type: "file", mode: 0o644, content: data, target: "" });
      return;
    }
    if (r.node.type === "dir") fail("EISDIR");
    r.node.content = data;
  }

  mkdir(path: string): void {
    const r = this.resolve(path, false);
    if (r.node !== undefined || r.special) fail("EEXIST");
    if (r.name.startsWith(".wh.")) fail("EPERM");
    this.m.set(r.key, { type: "dir", mode: 0o755, content: "", target: "" });
  }

  rmdir(path: string): void {
    const r = this.resolve(path, false);
    if (r.special) fail(r.name === "." ? "EINVAL" : r.name === ".." ? "ENOTEMPTY" : "EBUSY");
    if (r.node === undefined) fail("ENOENT");
    if (r.node!.type !== "dir") fail("ENOTDIR");
    if (this.children(r.key).length > 0) fail("ENOTEMPTY");
    this.m.delete(r.key);
  }

  unlink(path: string): void {
    const r = this.resolve(path, false);
    if (r.special) fail("EISDIR");
    if (r.node === undefined) fail("ENOENT");
    if (r.node!.type === "dir") fail("EISDIR");
    this.m.delete(r.key);
  }

  rename(from: string, to: string): void {
    const a = this.resolve(from, false);
    const b = this.resolve(to, false);
    if (a.special || b.special) fail("EBUSY");
    if (a.node === undefined) fail("ENOENT");
    const src = a.node!;
    if (src.type === "dir" && b.key.startsWith(a.key + "/")) fail("EINVAL");
    if (b.node !== undefined && a.key.startsWith(b.key + "/")) fail("ENOTEMPTY");
    if (b.name.startsWith(".wh.")) fail("EPERM");
    if (b.node !== undefined && (b.node === src || a.key === b.key)) return;
    if (b.node !== undefined) {
      if (src.type === "dir" && b.node.type !== "dir") fail("ENOTDIR");
      if (src.type !== "dir" && b.node.type === "dir") fail("EISDIR");
    }
    // overlayfs decides EXDEV before it looks at the target directory's contents
    if (this.exdev && src.fromLower) fail("EXDEV");
    if (b.node !== undefined && src.type === "dir" && this.children(b.key).length > 0) fail("ENOTEMPTY");
    if (b.node !== undefined) this.m.delete(b.key);
    const moved = this.keysUnder(a.key).map((k) => [k, this.m.get(k)!] as const);
    for (const [k] of moved) this.m.delete(k);
    for (const [k, n] of moved) this.m.set(b.key + k.slice(a.key.length), n);
  }

  symlink(target: string, path: string): void {
    const r = this.resolve(path, false);
    if (r.node !== undefined || r.special) fail("EEXIST");
    if (r.name.startsWith(".wh.")) fail("EPERM");
    this.m.set(r.key, { type: "symlink", mode: 0o777, content: "", target });
  }

  link(existing: string, path: string): void {
    const s = this.resolve(existing, false);
    if (s.node === undefined) fail("ENOENT");
    const r = this.resolve(path, false);
    if (r.node !== undefined || r.special) fail("EEXIST");
    if (s.node!.type === "dir") fail("EPERM");
    if (r.name.startsWith(".wh.")) fail("EPERM");
    this.m.set(r.key, s.node!);
  }

  chmod(path: string, mode: number): void {
    const r = this.resolve(path, true);
    if (r.node === undefined) fail("ENOENT");
    r.node!.mode = mode;
  }

  truncate(path: string, len: number): void {
    const r = this.resolve(path, true);
    if (r.node === undefined) fail("ENOENT");
    if (r.node!.type === "dir") fail("EISDIR");
    r.node!.content = r.node!.content.slice(0, len).padEnd(len, "\0");
  }

  writeAt(path: string, pos: number, data: string): void {
    const r = this.resolve(path, true);
    if (r.node === undefined) fail("ENOENT");
    if (r.node!.type === "dir") fail("EISDIR");
    const c = r.node!.content.padEnd(pos, "\0");
    r.node!.content = c.slice(0, pos) + data + c.slice(pos + data.length);
  }

  readFile(path: string): string {
    const r = this.resolve(path, true);
    if (r.node === undefined) fail("ENOENT");
    if (r.node!.type === "dir") fail("EISDIR");
    return r.node!.content;
  }

  readdir(path: string): string[] {
    const r = this.resolve(path, true);
    if (r.node === undefined) fail("ENOENT");
    if (r.node!.type !== "dir") fail("ENOTDIR");
    return this.children(r.key).sort();
  }

  flat(): FlatTree {
    const t: FlatTree = new Map();
    for (const [k, n] of this.m) {
      if (n.type === "dir") t.set(k, { type: "dir", mode: n.mode });
      else if (n.type === "symlink") t.set(k, { type: "symlink", mode: 0, target: n.target });
      else t.set(k, { type: "file", mode: n.mode, content: n.content });
    }
    return t;
  }
}

// ---------------------------------------------------------------- runner ---

function outcome(f: () => unknown): string {
  try {
    const v = f();
    return v === undefined ? "OK" : "OK " + JSON.stringify(v);
  } catch (e) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === "string") return c;
    throw e; // a stray exception is a bug in itself
  }
}

const dec = new TextDecoder();

interface OpenHandle {
  u: UnionFile;
  m: MNode;
}

function readHandle(f: UnionFile): string {
  const b = new Uint8Array(64);
  const n = f.read(b, 0);
  return dec.decode(b.subarray(0, n));
}

/** Outcome counts per operation (printed with LAYERFS_MODEL_STATS=1, to see what the runs exercise). */
const tally = new Map<string, number>();

/** One run: the union and the model side by side, and what the checks remember between steps. */
class Run {
  readonly layers: MemoryLayer[];
  // Union.fork (continuing as the child) replaces the union; fork and reset replace the lower view and the model.
  u: Union;
  lowerView: FlatTree;
  model: Model;
  readonly handles: OpenHandle[] = [];
  readonly log: string[] = [];
  readonly inoOf = new WeakMap<MNode, number>();
  steps = 0;

  constructor(readonly specs: MemorySpec[], readonly exdev: boolean) {
    this.layers = specs.map((s) => MemoryLayer.from(s, { timeNs: 1000n }));
    this.u = new Union(new Image(this.layers), new MemoryLayer(), { renameDir: exdev ? "exdev" : "deep" });
    this.lowerView = ociApply(this.layers);
    this.model = new Model(this.lowerView, exdev);
    this.markLowerAliases();
  }

  /** Names of lower objects with several links: copy-up breaks the link, so the model tracks them apart. */
  markLowerAliases(): void {
    for (const [k, n] of this.model.m) {
      if (n.type !== "dir" && this.u.lstat(k).nlink > 1) {
        n.lowerAlias = true;
        tally.set("(lower hard-link names)", (tally.get("(lower hard-link names)") ?? 0) + 1);
      }
    }
  }

  /**
   * Union.fork (continuing as the parent or the child) or Union.reset: invisible to
   * the view; afterwards the upper's objects are lower ones (hard links: lower aliases).
   */
  forkOrReset(kind: "reset" | "fork (parent)" | "fork (child)"): void {
    this.log.push(kind);
    tally.set(kind, (tally.get(kind) ?? 0) + 1);
    const before = new Map([...this.model.m.keys()].map((k) => [k, this.u.lstat(k).ino]));
    if (kind === "reset") {
      this.u.reset();
      this.model = new Model(this.lowerView, this.exdev);
      this.markLowerAliases();
    } else {
      const child = this.u.fork();
      if (kind === "fork (child)") {
        this.close();
        this.handles.length = 0;
        this.u = child;
      }
      this.lowerView = ociApply(this.u.image.layers);
      const seen = new Map<MNode, number>();
      for (const n of this.model.m.values()) seen.set(n, (seen.get(n) ?? 0) + 1);
      for (const [k, n] of this.model.m) {
        if (n.type === "dir") n.fromLower = true;
        else if ((seen.get(n) ?? 0) > 1) this.model.m.set(k, { ...n, lowerAlias: true });
      }
      // A handle on a hard-linked file follows the copy-up of the name it was opened by, which
      // the model does not track (its names become separate nodes): such handles leave the comparison.
      for (let i = this.handles.length - 1; i >= 0; i--) {
        const h = this.handles[i]!;
        if ((seen.get(h.m) ?? 0) > 1) {
          h.u.close();
          this.handles.splice(i, 1);
        }
      }
      for (const [k, ino] of before) {
        if (this.u.lstat(k).ino !== ino) this.fail(`${kind} changed an inode number`, [k, `${ino} -> ${this.u.lstat(k).ino}`]);
      }
    }
    const d = diffTrees(snapshotUnion(this.u), this.model.flat());
    if (d.length > 0) this.fail(`visible tree differs from the model after ${kind}`, d);
    if (this.u.changes().length !== 0) this.fail(`changes() not empty after ${kind}`, this.u.changes().map((c) => c.kind + " " + c.path));
  }

  /** The path a PathArg names now. */
  path(a: PathArg): string {
    if (!a.existing || this.model.m.size === 0) return a.path;
    const keys = [...this.model.m.keys()];
    return keys[a.index % keys.length]!;
  }

  fail(what: string, detail: string[]): never {
    throw new Error(`model test: ${what}\n  ${detail.join("\n  ")}\nops:\n  ${this.log.join("\n  ")}\nlowers: ${JSON.stringify(this.specs)}`);
  }

  /** Apply one operation to both sides, then compare everything. */
  step(desc: string, onUnion: () => unknown, onModel: () => unknown): void {
    const a = outcome(onUnion);
    const b = outcome(onModel);
    this.log.push(`${desc} -> ${a}`);
    const key = desc.slice(0, desc.indexOf("(")) + " " + a.split(" ")[0];
    tally.set(key, (tally.get(key) ?? 0) + 1);
    if (a !== b) this.fail("result differs", [`${desc}: union ${a}, model ${b}`]);
    const view = snapshotUnion(this.u);
    const d1 = diffTrees(view, this.model.flat());
    if (d1.length > 0) this.fail("visible tree differs from the model", d1);
    const d2 = diffTrees(ociApply([...this.u.image.layers, this.u.upper]), view);
    if (d2.length > 0) this.fail("OCI form of the upper applied over the lowers differs from the merged view", d2);
    this.checkInodes();
    if (this.steps++ % 4 === 0) this.checkChanges(view);
  }

  checkInodes(): void {
    const byIno = new Map<number, MNode>();
    for (const [k, n] of this.model.m) {
      if (n.lowerAlias) continue;
      const ino = this.u.lstat(k).ino;
      const other = byIno.get(ino);
      if (other !== undefined && other !== n) this.fail("inode shared by two objects", [k, String(ino)]);
      byIno.set(ino, n);
      const prev = this.inoOf.get(n);
      if (prev !== undefined && prev !== ino) this.fail("inode changed", [k, `${prev} -> ${ino}`]);
      this.inoOf.set(n, ino);
    }
  }

  checkChanges(view: FlatTree = snapshotUnion(this.u)): void {
    const { lowerView } = this;
    const ch = this.u.changes();
    const kinds = new Map(ch.map((c) => [c.path, c.kind]));
    if (kinds.size !== ch.length) this.fail("changes() has duplicates", ch.map((c) => c.kind + " " + c.path));
    for (const c of ch) {
      const inU = view.has(c.path);
      const inL = lowerView.has(c.path);
      const ok = c.kind === "A" ? inU && !inL : c.kind === "C" ? inU && inL : !inU && inL;
      if (!ok) this.fail("changes() entry does not match the trees", [c.kind + " " + c.path]);
    }
    for (const p of view.keys()) if (!lowerView.has(p) && kinds.get(p) !== "A") this.fail("added path missing from changes()", [p]);
    for (const p of lowerView.keys()) {
      if (view.has(p)) continue;
      const parent = p.slice(0, p.lastIndexOf("/"));
      const parentIsDir = parent === "" || (view.get(parent)?.type === "dir" && lowerView.get(parent)?.type === "dir");
      if (parentIsDir && kinds.get(p) !== "D") this.fail("deleted path missing from changes()", [p]);
    }
  }

  close(): void {
    for (const h of this.handles) h.u.close();
  }
}

/**
 * One operation as a fast-check command: `apply` resolves its path arguments against
 * the run's state at that step and returns its description (undefined: nothing to do).
 */
class Op implements fc.Command<Run, Run> {
  #desc: string;
  constructor(name: string, private readonly apply: (run: Run) => string | undefined) {
    this.#desc = name;
  }
  check(): boolean {
    return true;
  }
  run(_model: Run, run: Run): void {
    this.#desc = this.apply(run) ?? this.#desc;
  }
  toString(): string {
    return this.#desc;
  }
}

/** An operation on both sides: `make` gives its description and the two calls. */
function op<A>(name: string, args: fc.Arbitrary<A>, make: (run: Run, a: A) => [string, () => unknown, () => unknown]) {
  return args.map((a) => new Op(name, (run) => {
    const [desc, onUnion, onModel] = make(run, a);
    run.step(desc, onUnion, onModel);
    return desc;
  }));
}

const COMMANDS: fc.Arbitrary<fc.Command<Run, Run>>[] = [
  ...[1, 2].map(() => op("writeFile", fc.tuple(pathArg, content), (r, [pa, data]) => {
    const p = r.path(pa);
    return [`writeFile(${p}, ${JSON.stringify(data)})`, () => r.u.writeFile(p, data), () => r.model.writeFile(p, data)];
  })),
  op("mkdir", pathArg, (r, pa) => {
    const p = r.path(pa);
    return [`mkdir(${p})`, () => r.u.mkdir(p), () => r.model.mkdir(p)];
  }),
  op("rmdir", pathArg, (r, pa) => {
    const p = r.path(pa);
    return [`rmdir(${p})`, () => r.u.rmdir(p), () => r.model.rmdir(p)];
  }),
  op("unlink", pathArg, (r, pa) => {
    const p = r.path(pa);
    return [`unlink(${p})`, () => r.u.unlink(p), () => r.model.unlink(p)];
  }),
  ...[1, 2].map(() => op("rename", fc.tuple(pathArg, pathArg), (r, [pa, qa]) => {
    const p = r.path(pa);
    const q = r.path(qa);
    return [`rename(${p}, ${q})`, () => r.u.rename(p, q), () => r.model.rename(p, q)];
  })),
  op("symlink", fc.tuple(pathArg, target), (r, [pa, t]) => {
    const p = r.path(pa);
    return [`symlink(${t}, ${p})`, () => r.u.symlink(t, p), () => r.model.symlink(t, p)];
  }),
  op("link", fc.tuple(pathArg, randomPath), (r, [pa, q]) => {
    const p = r.path(pa);
    return [`link(${p}, ${q})`, () => r.u.link(p, q), () => r.model.link(p, q)];
  }),
  op("chmod", fc.tuple(pathArg, fc.constantFrom(0o600, 0o640, 0o755, 0o700)), (r, [pa, mode]) => {
    const p = r.path(pa);
    return [`chmod(${p}, ${mode.toString(8)})`, () => r.u.chmod(p, mode), () => r.model.chmod(p, mode)];
  }),
  op("truncate", fc.tuple(pathArg, fc.nat({ max: 3 })), (r, [pa, len]) => {
    const p = r.path(pa);
    return [`truncate(${p}, ${len})`, () => r.u.truncate(p, len), () => r.model.truncate(p, len)];
  }),
  op("write", fc.tuple(pathArg, fc.nat({ max: 4 }), content), (r, [pa, pos, text]) => {
    const p = r.path(pa);
    const data = text || "w";
    return [`open(${p}, write).write(${JSON.stringify(data)}, ${pos})`, () => {
      const f = r.u.open(p, { write: true });
      try {
        f.write(new TextEncoder().encode(data), pos);
      } finally {
        f.close();
      }
    }, () => r.model.writeAt(p, pos, data)];
  }),
  op("readFile", pathArg, (r, pa) => {
    const p = r.path(pa);
    return [`readFile(${p})`, () => r.u.readFile(p, "utf8"), () => r.model.readFile(p)];
  }),
  op("readdir", pathArg, (r, pa) => {
    const p = r.path(pa);
    return [`readdir(${p})`, () => r.u.readdir(p), () => r.model.readdir(p)];
  }),
  pathArg.map((pa) => new Op("open", (r) => {
    const p = r.path(pa);
    const desc = `open(${p}) as handle ${r.handles.length}`;
    let uf: UnionFile | undefined;
    let mn: MNode | undefined;
    const a = outcome(() => {
      uf = r.u.open(p);
    });
    const b = outcome(() => {
      mn = r.model.resolve(p, true).node;
      if (mn === undefined) fail("ENOENT");
    });
    r.log.push(`${desc} -> ${a}`);
    if (a !== b) r.fail("errno differs", [`${desc}: union ${a}, model ${b}`]);
    if (uf !== undefined && uf.type === "file") r.handles.push({ u: uf, m: mn! });
    else uf?.close();
    return desc;
  })),
  fc.nat().map((i) => new Op("read(handle)", (r) => {
    if (r.handles.length === 0) return undefined;
    const k = i % r.handles.length;
    const h = r.handles[k]!;
    const desc = `read(handle ${k})`;
    r.step(desc, () => readHandle(h.u), () => h.m.content.slice(0, 64));
    return desc;
  })),
  fc.constantFrom("reset" as const, "fork (parent)" as const, "fork (child)" as const).map((kind) => new Op(kind, (r) => {
    r.forkOrReset(kind);
    return kind;
  })),
];

describe("model-based: random operations on a union match a flattened reference model", () => {
  const runs = Number(env("LAYERFS_MODEL_RUNS") ?? "2000");
  const seed = Number(env("LAYERFS_MODEL_SEED") ?? env("LAYERFS_MODEL_BASE_SEED") ?? "20261127");
  it(`every step agrees on results, errno, tree, inodes, OCI upper and changes() (${runs} runs, seed ${seed})`, () => {
    const property = fc.property(
      fc.array(draws, { minLength: 1, maxLength: 3 }), fc.noBias(fc.nat({ max: 3 })),
      fc.commands(COMMANDS, { maxCommands: 130, size: "max" }),
      (layerDraws, renameMode, cmds) => {
        const run = new Run(layerDraws.map(randLayer), renameMode === 3); // a quarter of the runs with renameDir "exdev"
        try {
          fc.modelRun(() => ({ model: run, real: run }), cmds);
          run.checkChanges();
        } finally {
          run.close();
        }
      },
    );
    const details = fc.check(property, { numRuns: runs, seed });
    if (details.failed) {
      // Generation and shrinking are deterministic: the same seed and run count give the same counterexample.
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(`${fc.defaultReportMessage(details)}\n${cause}\n` +
        `replay: LAYERFS_MODEL_SEED=${details.seed} LAYERFS_MODEL_RUNS=${details.numRuns}`);
    }
    if (env("LAYERFS_MODEL_STATS")) console.log([...tally].sort().map(([k, v]) => `${k}: ${v}`).join("\n"));
    expect(details.numRuns).toBe(runs);
  }, 120_000);
});

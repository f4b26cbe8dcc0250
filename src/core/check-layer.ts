/**
 * Layer conformance checker, in the spirit of Go's `testing/fstest.TestFS`:
 * one function every layer kind must pass, in every runtime. It uses only the
 * Layer / WritableLayer interfaces, so it runs unchanged against memory, tar,
 * host-directory and future layers.
 *
 * What it checks
 * - Read-only walk of the whole tree: every name readdir lists stats, with a
 *   sane type/mode/size/id/nlink/times; ids are stable across calls and shared
 *   exactly by hard-link aliases (same type, size; nlink >= number of names);
 *   whole reads equal chunked reads at odd offsets; reads at and past EOF give
 *   0; readlink works on symlinks and gives EINVAL elsewhere; readdir gives
 *   ENOTDIR on non-directories; open gives EISDIR on directories; bad paths
 *   (missing: stat undefined / ENOENT; through a file: stat undefined /
 *   ENOTDIR); every thrown error is an FsError.
 * - For a WritableLayer (or `options.writable`): a mutation suite inside a
 *   scratch directory at the root, removed at the end: create, write/read
 *   back, truncate (shrink, grow with zeros), copy-up (`createFileFrom`, whose
 *   source the layer then owns), symlink, hard link, rename (all replace and
 *   error cases), unlink, rmdir, removeTree, setattr, handles that survive
 *   rename and unlink, parent directory times, and that failing operations
 *   change nothing.
 * - Ownership (core/layer.ts): createFileFrom neither closes its source nor
 *   keeps it (the copy still reads right after the caller closed the source;
 *   a source's contentSource may be kept instead). With
 *   `options.openDescriptors` (a count of the host's open descriptors, e.g.
 *   FaultFs's openCount), every step must give back what it took, and
 *   `layer.close()` what the layer keeps.
 *
 * Reporting: every failure is collected. `layerProblems()` returns them as a
 * list of strings (empty when the layer conforms); `checkLayer()` throws one
 * LayerCheckError listing them all.
 */
import { Errno, ERRNO_CODES, FsError, isFsError } from "./errno.ts";
import { childPath, isWritableLayer } from "./layer.ts";
import type { ContentSource, EntryStat, Layer, LayerFile, WritableLayer, WritableLayerFile } from "./layer.ts";

/** Options of `checkLayer` / `layerProblems`. */
export interface CheckLayerOptions {
  /** Paths (layer-relative) that must exist; a trailing "/" requires a directory. */
  expected?: readonly string[];
  /** Run the mutation suite. Default: `isWritableLayer(layer)`. */
  writable?: boolean;
  /** Name of the scratch directory for the mutation suite (default ".check-layer-scratch"). Must not exist. */
  scratch?: string;
  /** Bytes of each file compared in the read checks (default 1 MiB): huge files stay cheap. */
  maxReadBytes?: number;
  /** Also check setattr of uid/gid (default true; host layers not running as root turn it off). */
  owners?: boolean;
  /**
   * How many host descriptors are open now (e.g. `() => faultFs.openCount`
   * for a layer over a FaultFs). When given, the walk and every mutation step
   * must leave the count where it was: a layer keeps no descriptor once its
   * files are closed (beyond a bounded pool that `layer.close()` empties).
   */
  openDescriptors?: () => number;
}

const MAX_MESSAGE_LINES = 200;

/** Thrown by checkLayer: `failures` lists every problem found (the message shows the first 200). */
export class LayerCheckError extends Error {
  readonly failures: readonly string[];
  constructor(failures: readonly string[]) {
    const shown = failures.length > MAX_MESSAGE_LINES ? [...failures.slice(0, MAX_MESSAGE_LINES), `... and ${failures.length - MAX_MESSAGE_LINES} more (see .failures)`] : failures;
    super(`layer check failed (${failures.length} problem${failures.length === 1 ? "" : "s"}):\n  ` + shown.join("\n  "));
    this.name = "LayerCheckError";
    this.failures = failures;
  }
}

/**
 * Check that `layer` behaves as the Layer (and WritableLayer) contract says.
 * Throws a LayerCheckError listing every failure; returns normally if none.
 *
 * @example
 * ```ts
 * checkLayer(MemoryLayer.from({ "a/b": "x" }), { expected: ["a/", "a/b"] });
 * ```
 */
export function checkLayer(layer: Layer, options: CheckLayerOptions = {}): void {
  const failures = layerProblems(layer, options);
  if (failures.length > 0) throw new LayerCheckError(failures);
}

/** Like checkLayer, but returns the failures (empty list: the layer conforms). */
export function layerProblems(layer: Layer, options: CheckLayerOptions = {}): string[] {
  const c = new Checker(layer, options);
  c.run();
  return c.failures;
}

// ------------------------------------------------------------------------

const SCRATCH = ".check-layer-scratch";
const OLD_TIME = 1_000_000_000_000_000_000n; // 2001-09-09: "surely not now"
const SET_TIME_A = 1_500_000_000_123_000_000n; // ms-aligned: host APIs with ms precision keep it
const SET_TIME_M = 1_600_000_000_456_000_000n;
const ODD_CHUNKS = [1, 7, 4099, 65537];

type Snapshot = string;

class Checker {
  readonly failures: string[] = [];
  readonly layer: Layer;
  readonly options: CheckLayerOptions;
  readonly maxRead: number;

  constructor(layer: Layer, options: CheckLayerOptions) {
    this.layer = layer;
    this.options = options;
    this.maxRead = options.maxReadBytes ?? 1 << 20;
  }

  run(): void {
    const rootBefore = this.keepsNoDescriptors("walk", () => this.guard("walk", () => this.walk())) ?? [];
    this.guard("expected", () => this.checkExpected());
    const writable = this.options.writable ?? isWritableLayer(this.layer);
    if (writable) {
      if (!hasWritableMethods(this.layer)) {
        this.fail("", "options.writable is set but the layer lacks WritableLayer methods");
        return;
      }
      this.guard("mutations", () => new MutationSuite(this, this.layer as WritableLayer).run());
      const rootAfter = this.guard("readdir after mutations", () => this.layer.readdir("").slice().sort());
      if (rootAfter && rootAfter.join("\0") !== rootBefore.join("\0")) {
        this.fail("", `root listing changed by the mutation suite: ${fmtList(rootBefore)} -> ${fmtList(rootAfter)}`);
      }
    }
  }

  fail(path: string, message: string): void {
    this.failures.push(`${JSON.stringify(path)}: ${message}`);
  }

  /** Run `fn`; with options.openDescriptors, fail if it left more host descriptors open than before. */
  keepsNoDescriptors<T>(what: string, fn: () => T): T {
    const count = this.options.openDescriptors;
    if (count === undefined) return fn();
    const before = count();
    const out = fn();
    let after = count();
    if (after > before && this.layer.close !== undefined) {
      // A bounded pool of the layer's own is fine, as long as close() gives it back.
      this.guard("close", () => this.layer.close!());
      after = count();
    }
    if (after > before) this.fail("", `${what} left ${after - before} host descriptor(s) open`);
    return out;
  }

  /** Run `fn`, turning an unexpected exception into a failure. */
  guard<T>(what: string, fn: () => T, path = ""): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.fail(path, `${what}: unexpected ${describe(e)}`);
      return undefined;
    }
  }

  /** Expect `fn` to throw an FsError with one of `errnos`. */
  expectErr(path: string, what: string, errnos: number | readonly number[], fn: () => unknown): void {
    const want = typeof errnos === "number" ? [errnos] : errnos;
    try {
      fn();
    } catch (e) {
      if (!isFsError(e)) {
        this.fail(path, `${what}: threw a non-FsError ${describe(e)}, want ${want.map(code).join("/")}`);
      } else if (!want.includes(e.errno)) {
        this.fail(path, `${what}: got ${code(e.errno)}, want ${want.map(code).join("/")}`);
      }
      return;
    }
    this.fail(path, `${what}: succeeded, want ${want.map(code).join("/")}`);
  }

  // ---------------------------------------------------------- read-only walk

  /** Walk the tree; returns the sorted root listing. */
  walk(): string[] {
    const layer = this.layer;
    const root = layer.stat("");
    if (root === undefined) {
      this.fail("", "stat of the root is undefined");
      return [];
    }
    if (root.type !== "dir") this.fail("", `root is a ${root.type}, not a dir`);
    this.checkStatShape("", root);
    // id -> names: hard-link groups; directories must have unique ids.
    const byId = new Map<number, { paths: string[]; st: EntryStat }>();
    byId.set(root.id, { paths: [""], st: root });
    let rootNames: string[] = [];
    const stack: string[] = [""];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      const names = this.guard("readdir", () => layer.readdir(dir), dir);
      if (names === undefined) continue;
      if (dir === "") rootNames = names.slice().sort();
      this.checkListing(dir, names);
      for (const name of names) {
        if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) continue;
        const path = childPath(dir, name);
        const st = this.guard("stat", () => layer.stat(path), path);
        if (st === undefined) {
          this.fail(path, "listed by readdir but stat gives undefined");
          continue;
        }
        this.checkStatShape(path, st);
        const again = this.guard("stat", () => layer.stat(path), path);
        if (again && (again.id !== st.id || again.type !== st.type)) {
          this.fail(path, `id/type not stable across stat calls: ${st.type}#${st.id} then ${again.type}#${again.id}`);
        }
        const group = byId.get(st.id);
        if (group === undefined) byId.set(st.id, { paths: [path], st });
        else {
          group.paths.push(path);
          if (st.type === "dir" || group.st.type === "dir") {
            this.fail(path, `shares id ${st.id} with ${JSON.stringify(group.paths[0])} (directories cannot be hard-linked)`);
          } else if (st.type !== group.st.type || st.size !== group.st.size) {
            this.fail(path, `shares id ${st.id} with ${JSON.stringify(group.paths[0])} but differs (${st.type}/${st.size} vs ${group.st.type}/${group.st.size})`);
          }
        }
        if (st.type === "dir") {
          this.checkDir(path);
          stack.push(path);
        } else if (st.type === "file") {
          this.checkFile(path, st);
        } else if (st.type === "symlink") {
          this.checkSymlink(path, st);
        }
      }
    }
    for (const { paths, st } of byId.values()) {
      if (paths.length > 1 && st.nlink < paths.length) {
        this.fail(paths[0]!, `hard-link group ${fmtList(paths)} has ${paths.length} names but nlink ${st.nlink}`);
      }
      if (paths.length > 1) {
        const nl = new Set(paths.map((p) => layer.stat(p)?.nlink));
        if (nl.size > 1) this.fail(paths[0]!, `hard-link aliases ${fmtList(paths)} report different nlink`);
      }
    }
    return rootNames;
  }

  checkListing(dir: string, names: string[]): void {
    const seen = new Set<string>();
    for (const name of names) {
      if (typeof name !== "string" || name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) {
        this.fail(dir, `readdir lists an invalid name ${JSON.stringify(name)}`);
      }
      if (seen.has(name)) this.fail(dir, `readdir lists ${JSON.stringify(name)} twice`);
      seen.add(name);
    }
    // The result must be the caller's own array, and a second listing must agree.
    names.push("\u0001check-layer-junk");
    const again = this.guard("readdir", () => this.layer.readdir(dir), dir);
    const shared = again !== undefined && again.includes("\u0001check-layer-junk");
    names.pop();
    if (again === undefined) return;
    if (shared) this.fail(dir, "readdir returns a shared array (mutating it changes the layer's listing)");
    if (again.slice().sort().join("\0") !== names.slice().sort().join("\0")) {
      this.fail(dir, `two readdir calls disagree: ${fmtList(names)} vs ${fmtList(again)}`);
    }
  }

  checkStatShape(path: string, st: EntryStat): void {
    if (st.type !== "file" && st.type !== "dir" && st.type !== "symlink") this.fail(path, `bad type ${JSON.stringify(st.type)}`);
    if (!Number.isInteger(st.mode) || st.mode < 0 || st.mode > 0o7777) this.fail(path, `mode ${st.mode} is not permission bits (0..0o7777)`);
    if (!Number.isInteger(st.id) || st.id < 1 || st.id >= 2 ** 32) this.fail(path, `id ${st.id} outside 1 <= id < 2**32`);
    if (!Number.isSafeInteger(st.size) || st.size < 0) this.fail(path, `size ${st.size} is not a non-negative integer`);
    if (!Number.isInteger(st.nlink) || st.nlink < 1) this.fail(path, `nlink ${st.nlink} < 1 for a live entry`);
    if (!Number.isInteger(st.uid) || st.uid < 0 || !Number.isInteger(st.gid) || st.gid < 0) this.fail(path, `bad uid/gid ${st.uid}/${st.gid}`);
    for (const k of ["atimeNs", "mtimeNs", "ctimeNs"] as const) {
      if (typeof st[k] !== "bigint") this.fail(path, `${k} is a ${typeof st[k]}, not a bigint`);
    }
  }

  checkDir(path: string): void {
    const layer = this.layer;
    this.expectErr(path, "open of a directory", Errno.ISDIR, () => layer.open(path));
    this.expectErr(path, "readlink of a directory", Errno.INVAL, () => layer.readlink(path));
    const missing = childPath(path, "\u0001missing");
    const st = this.guard("stat of a missing name", () => layer.stat(missing), missing);
    if (st !== undefined) this.fail(missing, "stat of a missing name is not undefined");
    this.expectErr(missing, "readdir of a missing name", Errno.NOENT, () => layer.readdir(missing));
    this.expectErr(missing, "open of a missing name", Errno.NOENT, () => layer.open(missing));
    this.expectErr(missing, "readlink of a missing name", Errno.NOENT, () => layer.readlink(missing));
  }

  checkNotDirParent(path: string): void {
    const layer = this.layer;
    const under = childPath(path, "x");
    const st = this.guard("stat through a non-directory", () => layer.stat(under), under);
    if (st !== undefined) this.fail(under, "stat through a non-directory is not undefined");
    this.expectErr(path, "readdir of a non-directory", Errno.NOTDIR, () => layer.readdir(path));
    this.expectErr(under, "readdir through a non-directory", Errno.NOTDIR, () => layer.readdir(under));
    this.expectErr(under, "open through a non-directory", Errno.NOTDIR, () => layer.open(under));
    this.expectErr(under, "readlink through a non-directory", Errno.NOTDIR, () => layer.readlink(under));
  }

  checkSymlink(path: string, st: EntryStat): void {
    const target = this.guard("readlink", () => this.layer.readlink(path), path);
    if (target !== undefined) {
      if (typeof target !== "string") this.fail(path, "readlink did not return a string");
      else if (utf8Length(target) !== st.size) this.fail(path, `symlink size ${st.size} != target byte length ${utf8Length(target)}`);
    }
    try {
      this.layer.open(path).close();
      this.fail(path, "open of a symlink succeeded (layers never follow links)");
    } catch (e) {
      if (!isFsError(e)) this.fail(path, `open of a symlink threw a non-FsError ${describe(e)}`);
    }
    this.checkNotDirParent(path);
  }

  checkFile(path: string, st: EntryStat): void {
    this.expectErr(path, "readlink of a file", Errno.INVAL, () => this.layer.readlink(path));
    this.checkNotDirParent(path);
    const f = this.guard("open", () => this.layer.open(path), path);
    if (f === undefined) return;
    try {
      const hst = this.guard("handle stat", () => f.stat(), path);
      if (hst && (hst.id !== st.id || hst.size !== st.size || hst.type !== "file")) {
        this.fail(path, `handle stat (${hst.type}#${hst.id}, ${hst.size} B) != stat (file#${st.id}, ${st.size} B)`);
      }
      this.checkReads(path, f, st.size, undefined);
    } finally {
      this.guard("close", () => f.close(), path);
    }
  }

  /** Compare a whole read with chunked reads; check EOF behaviour. `want`: known content. */
  checkReads(path: string, f: LayerFile, size: number, want: Uint8Array | undefined): void {
    const n = Math.min(size, this.maxRead);
    const whole = new Uint8Array(n + 16);
    const got = this.guard("read", () => readFull(f, whole, 0), path);
    if (got === undefined) return;
    const expectGot = n + (size > n ? Math.min(16, size - n) : 0);
    if (got !== expectGot) {
      this.fail(path, `whole read returned ${got} bytes, want ${expectGot} (size ${size})`);
      return;
    }
    if (want !== undefined) {
      const diff = firstDiff(whole.subarray(0, n), want.subarray(0, n));
      if (diff >= 0 || want.length !== size) this.fail(path, `content differs from what was written (first difference at byte ${diff}, size ${size}/${want.length})`);
    }
    for (const step of ODD_CHUNKS) {
      if (step > 1 && step > 2 * n + 1) continue;
      if (step === 1 && n > 4096) continue;
      const buf = new Uint8Array(step);
      let pos = step === 1 ? 0 : 3; // odd start offset
      let bad = -1;
      while (pos < n) {
        const len = Math.min(step, n - pos);
        const r = this.guard("chunked read", () => f.read(buf.subarray(0, len), pos), path);
        if (r === undefined) return;
        if (r <= 0 || r > len) {
          this.fail(path, `read of ${len} bytes at ${pos} returned ${r}`);
          return;
        }
        const d = firstDiff(buf.subarray(0, r), whole.subarray(pos, pos + r));
        if (d >= 0) {
          bad = pos + d;
          break;
        }
        pos += r;
      }
      if (bad >= 0) {
        this.fail(path, `chunked read (${step}-byte reads) differs from the whole read at byte ${bad}`);
        return;
      }
    }
    const tail = new Uint8Array(8);
    for (const at of [size, size + 1, size + 100_000]) {
      const r = this.guard("read past EOF", () => f.read(tail, at), path);
      if (r !== undefined && r !== 0) this.fail(path, `read at ${at} (size ${size}) returned ${r}, want 0`);
    }
    if (size > 0) {
      const r = this.guard("read of 0 bytes", () => f.read(new Uint8Array(0), 0), path);
      if (r !== undefined && r !== 0) this.fail(path, `read into an empty buffer returned ${r}`);
      const last = this.guard("read across EOF", () => f.read(tail, size - 1), path);
      if (last !== undefined && last !== 1) this.fail(path, `read of 8 bytes at size-1 returned ${last}, want 1`);
    }
  }

  checkExpected(): void {
    for (const raw of this.options.expected ?? []) {
      const wantDir = raw.endsWith("/");
      const path = raw.replace(/^\/+|\/+$/g, "");
      const st = this.guard("stat", () => this.layer.stat(path), path);
      if (st === undefined) this.fail(path, "expected path is missing");
      else if (wantDir && st.type !== "dir") this.fail(path, `expected a directory, found a ${st.type}`);
    }
  }
}

// ------------------------------------------------------------------------

/** The mutation suite: everything happens under one scratch directory. */
class MutationSuite {
  readonly c: Checker;
  readonly l: WritableLayer;
  readonly s: string;

  constructor(c: Checker, layer: WritableLayer) {
    this.c = c;
    this.l = layer;
    this.s = c.options.scratch ?? SCRATCH;
  }

  p(rel: string): string {
    return childPath(this.s, rel);
  }

  run(): void {
    const { c, l, s } = this;
    if (l.stat(s) !== undefined) {
      c.fail(s, "scratch directory already exists; pass options.scratch");
      return;
    }
    // The root's mtime must move when an entry is added.
    c.guard("setattr root", () => l.setattr("", { mtimeNs: OLD_TIME }));
    c.guard("mkdir", () => l.mkdir(s, { mode: 0o755 }), s);
    const st = l.stat(s);
    if (st === undefined) {
      c.fail(s, "mkdir of the scratch directory did not create it; mutation suite skipped");
      return;
    }
    if (st.type !== "dir") c.fail(s, `mkdir made a ${st.type}`);
    if ((st.mode & 0o777) !== 0o755) c.fail(s, `mkdir mode ${oct(st.mode)}, want 0o755`);
    if (l.stat("")?.mtimeNs === OLD_TIME) c.fail("", "root mtime unchanged after mkdir of a child");
    const steps: [string, () => void][] = [
      ["create", () => this.create()],
      ["write", () => this.writeReadTruncate()],
      ["copy-up", () => this.copyUp()],
      ["symlink", () => this.symlinks()],
      ["link", () => this.links()],
      ["rename", () => this.renames()],
      ["unlink", () => this.unlinks()],
      ["rmdir", () => this.rmdirs()],
      ["setattr", () => this.setattrs()],
      ["handles", () => this.handles()],
    ];
    for (const [name, fn] of steps) {
      const dir = this.p(name);
      try {
        l.mkdir(dir, { mode: 0o755 });
      } catch (e) {
        c.fail(dir, `mkdir: unexpected ${describe(e)}`);
        continue;
      }
      c.keepsNoDescriptors(name, () => c.guard(name, fn, dir));
    }
    this.removeTree();
    c.guard("removeTree of the scratch directory", () => l.removeTree(s), s);
    if (l.stat(s) !== undefined) c.fail(s, "scratch directory still exists after removeTree");
  }

  /** Record a failure if the subtree under the scratch directory changed. */
  unchanged(what: string, fn: () => void): void {
    const before = this.snapshot(this.s);
    fn();
    const after = this.snapshot(this.s);
    if (before !== after) this.c.fail(this.s, `${what} changed the tree although it failed:\n    before ${before}\n    after  ${after}`);
  }

  /** Failing operation: right errno, and nothing changed. */
  failsWith(path: string, what: string, errnos: number | readonly number[], fn: () => unknown): void {
    this.unchanged(what, () => this.c.expectErr(path, what, errnos, fn));
  }

  snapshot(dir: string): Snapshot {
    const out: string[] = [];
    const walk = (d: string): void => {
      for (const name of this.l.readdir(d).sort()) {
        const p = childPath(d, name);
        const st = this.l.stat(p);
        if (st === undefined) {
          out.push(`${p}:?`);
          continue;
        }
        let extra = "";
        if (st.type === "symlink") extra = "->" + this.l.readlink(p);
        out.push(`${p}:${st.type}#${st.id}:${st.size}:${oct(st.mode)}:${st.nlink}${extra}`);
        if (st.type === "dir") walk(p);
      }
    };
    walk(dir);
    return out.join(" ");
  }

  write(path: string, data: Uint8Array, at = 0): void {
    const f = this.l.openWrite(path);
    try {
      const n = f.write(data, at);
      if (n !== data.length) this.c.fail(path, `write of ${data.length} bytes returned ${n}`);
    } finally {
      f.close();
    }
  }

  readAll(path: string): Uint8Array {
    const f = this.l.open(path);
    try {
      const size = f.stat().size;
      const out = new Uint8Array(size);
      const n = readFull(f, out, 0);
      if (n !== size) this.c.fail(path, `read ${n} bytes of a ${size}-byte file`);
      return out;
    } finally {
      f.close();
    }
  }

  expectContent(path: string, want: Uint8Array, what: string): void {
    const got = this.c.guard(what, () => this.readAll(path), path);
    if (got === undefined) return;
    const d = firstDiff(got, want);
    if (d >= 0 || got.length !== want.length) {
      this.c.fail(path, `${what}: content differs at byte ${d} (size ${got.length}, want ${want.length})`);
    }
  }

  // ---- steps ----

  create(): void {
    const { c, l } = this;
    const d = this.p("create");
    const f = this.p("create/f");
    l.setattr(d, { mtimeNs: OLD_TIME });
    l.createFile(f, { mode: 0o640 });
    const st = l.stat(f);
    if (st === undefined) return c.fail(f, "createFile did not create the file");
    if (st.type !== "file" || st.size !== 0 || st.nlink !== 1) c.fail(f, `new file is ${st.type}, ${st.size} B, nlink ${st.nlink}`);
    if ((st.mode & 0o777) !== 0o640) c.fail(f, `createFile mode ${oct(st.mode)}, want 0o640`);
    if (l.stat(d)?.mtimeNs === OLD_TIME) c.fail(d, "parent mtime unchanged after createFile");
    const timed = this.p("create/timed");
    l.createFile(timed, { mode: 0o600, atimeNs: SET_TIME_A, mtimeNs: SET_TIME_M });
    const ts = l.stat(timed);
    if (ts && (ts.mtimeNs !== SET_TIME_M || ts.atimeNs !== SET_TIME_A)) c.fail(timed, `createFile ignored the given times (${ts.atimeNs}/${ts.mtimeNs})`);
    l.mkdir(this.p("create/sub"), { mode: 0o700 });
    const sub = l.stat(this.p("create/sub"));
    if (sub && (sub.mode & 0o777) !== 0o700) c.fail(this.p("create/sub"), `mkdir mode ${oct(sub.mode)}, want 0o700`);
    if (sub && l.stat(f)?.id === sub.id) c.fail(f, "two new entries share an id");

    this.failsWith(f, "createFile over a file", Errno.EXIST, () => l.createFile(f, { mode: 0o644 }));
    this.failsWith(d, "createFile over a directory", Errno.EXIST, () => l.createFile(this.p("create/sub"), { mode: 0o644 }));
    this.failsWith(f, "mkdir over a file", Errno.EXIST, () => l.mkdir(f, { mode: 0o755 }));
    this.failsWith(d, "mkdir over a directory", Errno.EXIST, () => l.mkdir(this.p("create/sub"), { mode: 0o755 }));
    this.failsWith(d, "mkdir with a missing parent", Errno.NOENT, () => l.mkdir(this.p("create/nope/x"), { mode: 0o755 }));
    this.failsWith(d, "createFile with a missing parent", Errno.NOENT, () => l.createFile(this.p("create/nope/x"), { mode: 0o644 }));
    this.failsWith(f, "mkdir under a file", Errno.NOTDIR, () => l.mkdir(childPath(f, "x"), { mode: 0o755 }));
    this.failsWith(f, "createFile under a file", Errno.NOTDIR, () => l.createFile(childPath(f, "x"), { mode: 0o644 }));
    this.failsWith(d, "openWrite of a directory", Errno.ISDIR, () => l.openWrite(d));
    this.failsWith(d, "openWrite of a missing file", Errno.NOENT, () => l.openWrite(this.p("create/missing")));
    // Whiteout names are ordinary entries for a layer.
    l.createFile(this.p("create/.wh.gone"), { mode: 0o644 });
    l.mkdir(this.p("create/opq"), { mode: 0o755 });
    l.createFile(this.p("create/opq/.wh..wh..opq"), { mode: 0o644 });
    const names = l.readdir(this.p("create")).sort();
    const want = [".wh.gone", "f", "opq", "sub", "timed"];
    if (names.join("/") !== want.join("/")) c.fail(d, `readdir ${fmtList(names)}, want ${fmtList(want)}`);
  }

  writeReadTruncate(): void {
    const { c, l } = this;
    const f = this.p("write/f");
    l.createFile(f, { mode: 0o644 });
    l.setattr(f, { mtimeNs: OLD_TIME });
    const h = l.openWrite(f);
    try {
      const hello = bytes("hello world");
      const n = h.write(hello, 0);
      if (n !== hello.length) c.fail(f, `write returned ${n}, want ${hello.length}`);
      const st = l.stat(f);
      if (st?.size !== 11) c.fail(f, `size after write ${st?.size}, want 11`);
      if (st?.mtimeNs === OLD_TIME) c.fail(f, "mtime unchanged after write");
      if (st && st.ctimeNs < st.mtimeNs) c.fail(f, `ctime ${st.ctimeNs} < mtime ${st.mtimeNs} after a write (a write sets both)`);
      if (h.stat().size !== 11) c.fail(f, "handle stat size disagrees after write");
      const back = new Uint8Array(11);
      if (h.read(back, 0) !== 11 || firstDiff(back, hello) >= 0) c.fail(f, "read back through the write handle differs");
      // Write past EOF: the gap reads as zeros.
      h.write(bytes("X"), 20);
      const want = new Uint8Array(21);
      want.set(hello);
      want[20] = 88;
      this.expectContent(f, want, "write past EOF");
      // Shrink, then grow: grown bytes are zeros, not old data.
      h.truncate(5);
      this.expectContent(f, hello.subarray(0, 5), "truncate shrink");
      h.truncate(4000);
      const grown = new Uint8Array(4000);
      grown.set(hello.subarray(0, 5));
      this.expectContent(f, grown, "truncate grow");
      l.setattr(f, { mtimeNs: OLD_TIME });
      h.truncate(0);
      if (l.stat(f)?.mtimeNs === OLD_TIME) c.fail(f, "mtime unchanged after truncate");
      if (l.stat(f)?.size !== 0) c.fail(f, "size after truncate(0) is not 0");
      // A larger pattern across chunk boundaries at an odd offset, read back in odd chunks.
      const big = pattern(200_000, 7);
      h.write(big, 70_001);
      const full = new Uint8Array(270_001);
      full.set(big, 70_001);
      this.c.checkReads(f, h, 270_001, full);
      // Overwrite in the middle.
      const mid = pattern(5000, 3);
      h.write(mid, 131_000);
      full.set(mid, 131_000);
      this.expectContent(f, full, "overwrite in the middle");
    } finally {
      h.close();
    }
    // A read-only handle cannot write.
    const r = l.open(f) as Partial<WritableLayerFile> & LayerFile;
    try {
      if (typeof r.write === "function") {
        c.expectErr(f, "write through a read-only handle", [Errno.BADF, Errno.PERM, Errno.ACCES, Errno.ROFS], () => r.write!(bytes("no"), 0));
      }
    } finally {
      r.close();
    }
  }

  copyUp(): void {
    const { c, l } = this;
    const f = this.p("copy-up/f");
    const data = pattern(300_000, 11);
    const src = new BufferSource(data);
    l.createFileFrom(f, src, { mode: 0o600, uid: 0, gid: 0, atimeNs: SET_TIME_A, mtimeNs: SET_TIME_M });
    const st = l.stat(f);
    if (st === undefined) return c.fail(f, "createFileFrom did not create the file");
    if (st.type !== "file" || st.size !== data.length) c.fail(f, `copy is ${st.type} of ${st.size} B, want file of ${data.length}`);
    if ((st.mode & 0o777) !== 0o600) c.fail(f, `copy mode ${oct(st.mode)}, want 0o600`);
    if (st.mtimeNs !== SET_TIME_M) c.fail(f, `copy-up did not keep mtime (${st.mtimeNs}, want ${SET_TIME_M})`);
    const fh = l.open(f);
    try {
      c.checkReads(f, fh, data.length, data);
    } finally {
      fh.close();
    }
    // Write into the middle: only that range changes; the source is never written.
    const want = data.slice();
    const patch = bytes("PATCH");
    this.write(f, patch, 150_001);
    want.set(patch, 150_001);
    this.expectContent(f, want, "write into a copied-up file");
    if (firstDiff(src.data, pattern(300_000, 11)) >= 0) c.fail(f, "createFileFrom wrote to its source");
    // Shrink then grow: the grown range is zeros, not the source's bytes.
    const h = l.openWrite(f);
    try {
      h.truncate(1000);
      h.truncate(100_000);
    } finally {
      h.close();
    }
    const grown = new Uint8Array(100_000);
    grown.set(data.subarray(0, 1000));
    this.expectContent(f, grown, "truncate of a copied-up file (shrink then grow)");
    // Ownership: the source stays the caller's. The layer must not close it,
    // and must not keep it: after the caller closes it, the copy still reads.
    const owned = new BufferSource(pattern(70_000, 5));
    const g = this.p("copy-up/owned");
    l.createFileFrom(g, owned, { mode: 0o644 });
    if (owned.closed) c.fail(g, "createFileFrom closed its source (the caller owns it)");
    owned.close();
    this.expectContent(g, pattern(70_000, 5), "copy read after its source was closed (a layer must not keep the handle)");
    // A source offering contentSource: kept instead of the handle (or copied), either way right after close.
    const lazy = new BufferSource(pattern(90_000, 6), true);
    const h2 = this.p("copy-up/lazy");
    l.createFileFrom(h2, lazy, { mode: 0o644 });
    lazy.close();
    this.write(h2, bytes("x"), 89_999);
    const lazyWant = pattern(90_000, 6);
    lazyWant[89_999] = 120;
    this.expectContent(h2, lazyWant, "copy of a contentSource after its handle was closed");
    // An empty source and EEXIST.
    l.createFileFrom(this.p("copy-up/empty"), new BufferSource(new Uint8Array(0)), { mode: 0o644 });
    if (l.stat(this.p("copy-up/empty"))?.size !== 0) c.fail(this.p("copy-up/empty"), "copy of an empty source is not empty");
    this.failsWith(f, "createFileFrom over an existing file", Errno.EXIST, () => l.createFileFrom(f, new BufferSource(data), { mode: 0o644 }));
    this.failsWith(f, "createFileFrom with a missing parent", Errno.NOENT, () =>
      l.createFileFrom(this.p("copy-up/nope/x"), new BufferSource(data), { mode: 0o644 }));
  }

  symlinks(): void {
    const { c, l } = this;
    const targets = ["../some/target", "/abs/path", "a//b/./../c/", "x", "ünïcødé→"];
    targets.forEach((t, i) => {
      const p = this.p(`symlink/l${i}`);
      l.symlink(p, t);
      const st = l.stat(p);
      if (st?.type !== "symlink") c.fail(p, `symlink created a ${st?.type}`);
      const got = l.readlink(p);
      if (got !== t) c.fail(p, `readlink ${JSON.stringify(got)}, want verbatim ${JSON.stringify(t)}`);
      if (st && st.size !== utf8Length(t)) c.fail(p, `symlink size ${st.size}, want ${utf8Length(t)}`);
    });
    const l0 = this.p("symlink/l0");
    this.failsWith(l0, "symlink over an existing name", Errno.EXIST, () => l.symlink(l0, "y"));
    this.failsWith(l0, "symlink with a missing parent", Errno.NOENT, () => l.symlink(this.p("symlink/nope/x"), "y"));
    this.failsWith(l0, "openWrite of a symlink", [Errno.LOOP, Errno.INVAL, Errno.NOENT, Errno.PERM, Errno.ISDIR, Errno.NOTSUP], () => l.openWrite(l0));
    c.expectErr(l0, "readdir of a symlink", Errno.NOTDIR, () => l.readdir(l0));
  }

  links(): void {
    const { c, l } = this;
    const a = this.p("link/a");
    const b = this.p("link/b");
    l.createFile(a, { mode: 0o644 });
    this.write(a, bytes("shared"));
    l.link(a, b);
    const sa = l.stat(a);
    const sb = l.stat(b);
    if (!sa || !sb) return c.fail(b, "link did not create the new name");
    if (sa.id !== sb.id) c.fail(b, `hard link has id ${sb.id}, original ${sa.id}`);
    if (sa.nlink !== 2 || sb.nlink !== 2) c.fail(b, `nlink after link ${sa.nlink}/${sb.nlink}, want 2`);
    this.write(b, bytes("SH"));
    this.expectContent(a, bytes("SHared"), "write through a hard link");
    // Linking a symlink links the symlink itself.
    l.symlink(this.p("link/s"), "a");
    l.link(this.p("link/s"), this.p("link/s2"));
    const s2 = l.stat(this.p("link/s2"));
    if (s2?.type !== "symlink" || l.readlink(this.p("link/s2")) !== "a") c.fail(this.p("link/s2"), "link of a symlink did not link the symlink itself");
    this.failsWith(b, "link onto an existing name", Errno.EXIST, () => l.link(a, b));
    this.failsWith(a, "link of a missing file", Errno.NOENT, () => l.link(this.p("link/missing"), this.p("link/c")));
    this.failsWith(a, "link of a directory", Errno.PERM, () => l.link(this.p("link"), this.p("link/d")));
    this.failsWith(a, "link into a missing directory", Errno.NOENT, () => l.link(a, this.p("link/nope/x")));
    // Unlink one alias: the other keeps content and drops to nlink 1.
    l.unlink(a);
    const after = l.stat(b);
    if (after?.nlink !== 1) c.fail(b, `nlink after unlinking the other alias ${after?.nlink}, want 1`);
    this.expectContent(b, bytes("SHared"), "content after unlinking the other alias");
  }

  renames(): void {
    const { c, l } = this;
    const d = this.p("rename");
    const p = (x: string) => this.p("rename/" + x);
    // File over file: the target is replaced, an open handle on it keeps the old file.
    l.createFile(p("f1"), { mode: 0o644 });
    this.write(p("f1"), bytes("one"));
    l.createFile(p("f2"), { mode: 0o644 });
    this.write(p("f2"), bytes("two!"));
    const id1 = l.stat(p("f1"))?.id;
    const old = l.open(p("f2"));
    try {
      l.setattr(d, { mtimeNs: OLD_TIME });
      l.rename(p("f1"), p("f2"));
      if (l.stat(p("f1")) !== undefined) c.fail(p("f1"), "source still exists after rename");
      const st = l.stat(p("f2"));
      if (st?.id !== id1) c.fail(p("f2"), `renamed file has id ${st?.id}, want ${id1} (ids move with the object)`);
      if (l.stat(d)?.mtimeNs === OLD_TIME) c.fail(d, "parent mtime unchanged after rename");
      this.expectContent(p("f2"), bytes("one"), "rename file over file");
      const buf = new Uint8Array(8);
      const n = old.read(buf, 0);
      if (n !== 4 || new TextDecoder().decode(buf.subarray(0, n)) !== "two!") c.fail(p("f2"), "an open handle on a replaced file no longer reads its content");
    } finally {
      old.close();
    }
    // Same name: no-op.
    this.unchanged("rename onto itself", () => c.guard("rename onto itself", () => l.rename(p("f2"), p("f2")), p("f2")));
    // Directory (with content) across directories: descendants keep their ids.
    l.mkdir(p("a"), { mode: 0o755 });
    l.mkdir(p("a/deep"), { mode: 0o755 });
    l.createFile(p("a/deep/x"), { mode: 0o644 });
    this.write(p("a/deep/x"), bytes("deep"));
    l.mkdir(p("b"), { mode: 0o755 });
    const xid = l.stat(p("a/deep/x"))?.id;
    l.rename(p("a"), p("b/moved"));
    if (l.stat(p("a")) !== undefined) c.fail(p("a"), "directory still exists after rename");
    if (l.stat(p("b/moved/deep/x"))?.id !== xid) c.fail(p("b/moved/deep/x"), "a renamed directory's descendant changed id or vanished");
    this.expectContent(p("b/moved/deep/x"), bytes("deep"), "content under a renamed directory");
    // Directory over an empty directory.
    l.mkdir(p("empty"), { mode: 0o755 });
    l.rename(p("b/moved"), p("empty"));
    if (l.stat(p("empty/deep/x"))?.id !== xid) c.fail(p("empty"), "rename of a directory over an empty directory lost its content");
    // Error cases, each leaving the tree unchanged.
    l.mkdir(p("full"), { mode: 0o755 });
    l.createFile(p("full/.wh.x"), { mode: 0o644 }); // raw emptiness: a whiteout counts
    l.mkdir(p("dir2"), { mode: 0o755 });
    this.failsWith(d, "rename a directory over a non-empty directory", [Errno.NOTEMPTY, Errno.EXIST], () => l.rename(p("dir2"), p("full")));
    this.failsWith(d, "rename a directory over a file", Errno.NOTDIR, () => l.rename(p("dir2"), p("f2")));
    this.failsWith(d, "rename a file over a directory", Errno.ISDIR, () => l.rename(p("f2"), p("dir2")));
    this.failsWith(d, "rename a directory into itself", Errno.INVAL, () => l.rename(p("empty"), p("empty/deep/inside")));
    this.failsWith(d, "rename a directory onto its own child name", Errno.INVAL, () => l.rename(p("empty"), p("empty/new")));
    this.failsWith(d, "rename of a missing source", Errno.NOENT, () => l.rename(p("missing"), p("other")));
    this.failsWith(d, "rename into a missing directory", Errno.NOENT, () => l.rename(p("f2"), p("nope/x")));
    this.failsWith(d, "rename under a file", Errno.NOTDIR, () => l.rename(p("f2"), p("f2/x")));
    this.failsWith(d, "rename of a missing source into a path under a file", Errno.NOTDIR, () => l.rename(p("missing"), p("f2/x")));
    // Symlinks move as themselves.
    l.symlink(p("sl"), "f2");
    l.rename(p("sl"), p("sl2"));
    if (l.readlink(p("sl2")) !== "f2") c.fail(p("sl2"), "a renamed symlink changed target");
    // Two names of one file: rename is a no-op that keeps both (POSIX).
    l.link(p("f2"), p("f3"));
    this.unchanged("rename between two links of one file", () =>
      c.guard("rename between hard links", () => l.rename(p("f2"), p("f3")), p("f3")));
  }

  unlinks(): void {
    const { c, l } = this;
    const d = this.p("unlink");
    const f = this.p("unlink/f");
    l.createFile(f, { mode: 0o644 });
    this.write(f, bytes("bye"));
    l.symlink(this.p("unlink/s"), "f");
    l.setattr(d, { mtimeNs: OLD_TIME });
    l.unlink(this.p("unlink/s"));
    if (l.stat(f) === undefined) c.fail(f, "unlink of a symlink removed its target");
    if (l.stat(d)?.mtimeNs === OLD_TIME) c.fail(d, "parent mtime unchanged after unlink");
    l.unlink(f);
    if (l.stat(f) !== undefined) c.fail(f, "file still exists after unlink");
    l.mkdir(this.p("unlink/sub"), { mode: 0o755 });
    this.failsWith(d, "unlink of a directory", [Errno.ISDIR, Errno.PERM], () => l.unlink(this.p("unlink/sub")));
    this.failsWith(d, "unlink of a missing name", Errno.NOENT, () => l.unlink(f));
    this.failsWith(d, "unlink through a file", Errno.NOTDIR, () => {
      l.createFile(this.p("unlink/g"), { mode: 0o644 });
      try {
        l.unlink(this.p("unlink/g/x"));
      } finally {
        l.unlink(this.p("unlink/g"));
      }
    });
  }

  rmdirs(): void {
    const { c, l } = this;
    const d = this.p("rmdir");
    const p = (x: string) => this.p("rmdir/" + x);
    l.mkdir(p("e"), { mode: 0o755 });
    l.setattr(d, { mtimeNs: OLD_TIME });
    l.rmdir(p("e"));
    if (l.stat(p("e")) !== undefined) c.fail(p("e"), "directory still exists after rmdir");
    if (l.stat(d)?.mtimeNs === OLD_TIME) c.fail(d, "parent mtime unchanged after rmdir");
    l.mkdir(p("full"), { mode: 0o755 });
    l.createFile(p("full/.wh.x"), { mode: 0o644 });
    l.createFile(p("file"), { mode: 0o644 });
    this.failsWith(d, "rmdir of a directory holding only a whiteout", Errno.NOTEMPTY, () => l.rmdir(p("full")));
    this.failsWith(d, "rmdir of a file", Errno.NOTDIR, () => l.rmdir(p("file")));
    this.failsWith(d, "rmdir of a missing name", Errno.NOENT, () => l.rmdir(p("missing")));
    this.failsWith(d, "removeTree of a missing name", Errno.NOENT, () => l.removeTree(p("missing")));
  }

  removeTree(): void {
    const { c, l } = this;
    const t = this.p("tree");
    const out = this.p("outside");
    c.guard("removeTree setup", () => {
      l.mkdir(t, { mode: 0o755 });
      l.mkdir(childPath(t, "a"), { mode: 0o755 });
      l.mkdir(childPath(t, "a/b"), { mode: 0o700 });
      l.createFile(childPath(t, "a/b/f"), { mode: 0o644 });
      l.symlink(childPath(t, "a/l"), "b/f");
      l.createFile(childPath(t, ".wh.x"), { mode: 0o644 });
      l.link(childPath(t, "a/b/f"), out);
    }, t);
    const ok = c.guard("removeTree", () => l.removeTree(t), t);
    if (ok === undefined && l.stat(t) !== undefined) return;
    if (l.stat(t) !== undefined) c.fail(t, "directory still exists after removeTree");
    const o = l.stat(out);
    if (o === undefined) c.fail(out, "removeTree removed a hard link outside the tree");
    else if (o.nlink !== 1) c.fail(out, `nlink of the surviving alias ${o.nlink}, want 1`);
    c.guard("unlink", () => l.unlink(out), out);
  }

  setattrs(): void {
    const { c, l } = this;
    const f = this.p("setattr/f");
    const d = this.p("setattr/d");
    const s = this.p("setattr/s");
    l.createFile(f, { mode: 0o644 });
    l.mkdir(d, { mode: 0o755 });
    l.symlink(s, "f");
    const before = l.stat(f)!;
    l.setattr(f, { mode: 0o600 });
    const st = l.stat(f)!;
    if ((st.mode & 0o7777) !== 0o600) c.fail(f, `mode after setattr ${oct(st.mode)}, want 0o600`);
    if (st.mtimeNs !== before.mtimeNs) c.fail(f, "setattr(mode) changed mtime");
    if (st.ctimeNs < before.ctimeNs) c.fail(f, "ctime went backwards after setattr");
    l.setattr(f, { mode: 0o4755 });
    if ((l.stat(f)!.mode & 0o7777) !== 0o4755) c.fail(f, `setuid bit not kept by setattr (${oct(l.stat(f)!.mode)})`);
    for (const p of [f, d, s]) {
      l.setattr(p, { atimeNs: SET_TIME_A, mtimeNs: SET_TIME_M });
      const t = l.stat(p)!;
      if (t.atimeNs !== SET_TIME_A || t.mtimeNs !== SET_TIME_M) c.fail(p, `times after setattr ${t.atimeNs}/${t.mtimeNs}, want ${SET_TIME_A}/${SET_TIME_M}`);
      if (t.ctimeNs === SET_TIME_M) c.fail(p, "setattr set ctime to the given mtime (ctime is the change time)");
    }
    if (l.stat(f)!.mtimeNs !== SET_TIME_M) c.fail(f, "setattr on a symlink changed its target");
    l.setattr(f, { mtimeNs: SET_TIME_A });
    if (l.stat(f)!.atimeNs !== SET_TIME_A || l.stat(f)!.mtimeNs !== SET_TIME_A) c.fail(f, "setattr of mtime alone disturbed atime");
    if (c.options.owners !== false) {
      l.setattr(f, { uid: 1234, gid: 5678 });
      const o = l.stat(f)!;
      if (o.uid !== 1234 || o.gid !== 5678) c.fail(f, `owner after setattr ${o.uid}:${o.gid}, want 1234:5678`);
    }
    this.failsWith(f, "setattr of a missing name", Errno.NOENT, () => l.setattr(this.p("setattr/missing"), { mode: 0o600 }));
  }

  handles(): void {
    const { c, l } = this;
    const p = (x: string) => this.p("handles/" + x);
    l.createFile(p("f"), { mode: 0o644 });
    const w = l.openWrite(p("f"));
    const r = l.open(p("f"));
    try {
      w.write(bytes("before"), 0);
      l.rename(p("f"), p("g"));
      w.write(bytes("AFTER"), 0);
      this.expectContent(p("g"), bytes("AFTERe"), "write through a handle after rename");
      const buf = new Uint8Array(6);
      if (r.read(buf, 0) !== 6 || new TextDecoder().decode(buf) !== "AFTERe") c.fail(p("g"), "read handle does not see writes after rename");
      const id = l.stat(p("g"))!.id;
      l.unlink(p("g"));
      if (w.write(bytes("gone"), 10) !== 4) c.fail(p("g"), "write to an unlinked file through an open handle failed");
      const st = w.stat();
      if (st.id !== id || st.size !== 14) c.fail(p("g"), `handle stat after unlink ${st.id}/${st.size} B, want ${id}/14`);
      const tail = new Uint8Array(4);
      if (r.read(tail, 10) !== 4 || new TextDecoder().decode(tail) !== "gone") c.fail(p("g"), "read of an unlinked file through an open handle failed");
      if (l.stat(p("g")) !== undefined) c.fail(p("g"), "unlinked file reappeared");
      w.sync();
    } finally {
      w.close();
      r.close();
    }
  }
}

// ------------------------------------------------------------------------

/**
 * A copy-up source over a buffer. Like a real layer file it refuses reads
 * once closed (EBADF), so a layer that kept the handle is caught; `lazy`
 * offers a contentSource that stays readable after close.
 */
class BufferSource implements LayerFile {
  readonly data: Uint8Array;
  readonly #st: EntryStat;
  closed = false;
  readonly contentSource: (() => ContentSource) | undefined;
  constructor(data: Uint8Array, lazy = false) {
    this.data = data;
    const t = SET_TIME_M;
    this.#st = { type: "file", mode: 0o644, uid: 0, gid: 0, size: data.length, nlink: 1, id: 4242, atimeNs: t, mtimeNs: t, ctimeNs: t };
    this.contentSource = lazy ? () => ({ read: (into, position) => readAt(data, into, position) }) : undefined;
  }
  read(into: Uint8Array, position: number): number {
    if (this.closed) throw new FsError(Errno.BADF, "read", undefined, "copy-up source read after close");
    return readAt(this.data, into, position);
  }
  stat(): EntryStat {
    if (this.closed) throw new FsError(Errno.BADF, "fstat");
    return { ...this.#st };
  }
  close(): void {
    this.closed = true;
  }
}

function readAt(data: Uint8Array, into: Uint8Array, position: number): number {
  if (position >= data.length) return 0;
  const n = Math.min(into.length, data.length - position);
  into.set(data.subarray(position, position + n));
  return n;
}

function hasWritableMethods(layer: Layer): boolean {
  const w = layer as Partial<WritableLayer>;
  return ["mkdir", "createFile", "createFileFrom", "symlink", "link", "unlink", "rmdir", "removeTree", "rename", "setattr", "openWrite"]
    .every((m) => typeof (w as Record<string, unknown>)[m] === "function");
}

function readFull(f: LayerFile, into: Uint8Array, position: number): number {
  let got = 0;
  while (got < into.length) {
    const n = f.read(into.subarray(got), position + got);
    if (n <= 0) break;
    got += n;
  }
  return got;
}

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const encoder = new TextEncoder();
function bytes(s: string): Uint8Array {
  return encoder.encode(s);
}
function utf8Length(s: string): number {
  return encoder.encode(s).length;
}

function code(errno: number): string {
  return ERRNO_CODES[errno] ?? `errno ${errno}`;
}
function oct(n: number): string {
  return "0o" + n.toString(8);
}
function fmtList(xs: readonly string[]): string {
  return "[" + xs.map((x) => JSON.stringify(x)).join(", ") + "]";
}
function describe(e: unknown): string {
  if (isFsError(e)) return `${e.code} (${e.message})`;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

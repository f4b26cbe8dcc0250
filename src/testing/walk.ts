/**
 * The read-only suite: a walk of the whole tree through the Layer interface.
 * Every name readdir lists stats, with a sane type/mode/size/id/nlink/times;
 * ids are stable across calls and shared exactly by hard-link aliases (same
 * type and size; nlink >= number of names); whole reads equal chunked reads
 * at odd offsets; reads at and past EOF give 0; readlink works on symlinks
 * and gives EINVAL elsewhere; readdir gives ENOTDIR on non-directories; open
 * gives EISDIR on directories; bad paths (missing: stat undefined / ENOENT;
 * through a file: stat undefined / ENOTDIR); every thrown error is an FsError.
 */
import { Errno, isFsError } from "../core/errno.ts";
import { childPath, sameElements } from "../core/layer.ts";
import type { EntryStat, Layer, LayerFile } from "../core/layer.ts";
import { checkReads, firstDiff, readFull, utf8Length } from "./content.ts";
import { describe, fmtList } from "./report.ts";
import type { Report } from "./report.ts";

export class ReadOnlyWalk {
  readonly report: Report;
  readonly layer: Layer;

  constructor(report: Report) {
    this.report = report;
    this.layer = report.layer;
  }

  /** Walk the tree; returns the sorted root listing. */
  run(): string[] {
    const layer = this.layer;
    const root = layer.stat("");
    if (root === undefined) {
      this.report.problem("", "stat of the root is undefined");
      return [];
    }
    if (root.type !== "dir") this.report.problem("", `root is a ${root.type}, not a dir`);
    this.checkStatShape("", root);
    // id -> names: hard-link groups; directories must have unique ids.
    const byId = new Map<number, { paths: string[]; st: EntryStat }>();
    byId.set(root.id, { paths: [""], st: root });
    let rootNames: string[] = [];
    const stack: string[] = [""];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      const names = this.report.guard("readdir", () => layer.readdir(dir), dir);
      if (names === undefined) continue;
      if (dir === "") rootNames = names.slice().sort();
      this.checkListing(dir, names);
      this.checkDirStamp(dir, true);
      for (const name of names) {
        if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) continue;
        const path = childPath(dir, name);
        const st = this.report.guard("stat", () => layer.stat(path), path);
        if (st === undefined) {
          this.report.problem(path, "listed by readdir but stat gives undefined");
          continue;
        }
        this.checkStatShape(path, st);
        const again = this.report.guard("stat", () => layer.stat(path), path);
        if (again && (again.id !== st.id || again.type !== st.type)) {
          this.report.problem(path, `id/type not stable across stat calls: ${st.type}#${st.id} then ${again.type}#${again.id}`);
        }
        const group = byId.get(st.id);
        if (group === undefined) byId.set(st.id, { paths: [path], st });
        else {
          group.paths.push(path);
          if (st.type === "dir" || group.st.type === "dir") {
            this.report.problem(path, `shares id ${st.id} with ${JSON.stringify(group.paths[0])} (directories cannot be hard-linked)`);
          } else if (st.type !== group.st.type || st.size !== group.st.size) {
            this.report.problem(path, `shares id ${st.id} with ${JSON.stringify(group.paths[0])} but differs (${st.type}/${st.size} vs ${group.st.type}/${group.st.size})`);
          }
        }
        if (st.type !== "dir") this.checkDirStamp(path, false);
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
        this.report.problem(paths[0]!, `hard-link group ${fmtList(paths)} has ${paths.length} names but nlink ${st.nlink}`);
      }
      if (paths.length > 1) {
        const nl = new Set(paths.map((p) => layer.stat(p)?.nlink));
        if (nl.size > 1) this.report.problem(paths[0]!, `hard-link aliases ${fmtList(paths)} report different nlink`);
      }
    }
    return rootNames;
  }

  /**
   * Layer.memoKey / dirStamp (stack-memo.ts): a key comes with stamps; a directory's fresh
   * stamp is an array, the same on a second call (nothing changed), and one taken earlier
   * (not fresh) is that one too; a non-directory or a missing name has none.
   */
  checkDirStamp(path: string, isDir: boolean): void {
    const layer = this.layer;
    if (layer.memoKey === undefined) return;
    if (typeof layer.memoKey !== "string" || typeof layer.dirStamp !== "function") {
      if (path === "") this.report.problem(path, "memoKey is set but is not a string, or dirStamp is missing");
      return;
    }
    const stamp = layer.dirStamp.bind(layer);
    const fresh = this.report.guard("dirStamp", () => stamp(path, true), path);
    if (!isDir) {
      if (fresh !== undefined) this.report.problem(path, "dirStamp of a non-directory is not undefined");
      return;
    }
    if (!Array.isArray(fresh)) { this.report.problem(path, "dirStamp (fresh) of a directory is not an array"); return; }
    const again = this.report.guard("dirStamp", () => stamp(path, true), path);
    const same = (a: unknown) => Array.isArray(a) && sameElements(a, fresh);
    if (!same(again)) this.report.problem(path, "two fresh dirStamps of an unchanged directory differ");
    const known = this.report.guard("dirStamp", () => stamp(path, false), path);
    if (known !== undefined && !same(known)) this.report.problem(path, "a dirStamp taken earlier differs from the fresh one of an unchanged directory");
    const missing = childPath(path, "\u0001missing");
    if (this.report.guard("dirStamp", () => stamp(missing, true), missing) !== undefined) this.report.problem(missing, "dirStamp of a missing name is not undefined");
  }

  checkListing(dir: string, names: string[]): void {
    const seen = new Set<string>();
    for (const name of names) {
      if (typeof name !== "string" || name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) {
        this.report.problem(dir, `readdir lists an invalid name ${JSON.stringify(name)}`);
      }
      if (seen.has(name)) this.report.problem(dir, `readdir lists ${JSON.stringify(name)} twice`);
      seen.add(name);
    }
    // The result must be the caller's own array, and a second listing must agree.
    names.push("\u0001check-layer-junk");
    const again = this.report.guard("readdir", () => this.layer.readdir(dir), dir);
    const shared = again !== undefined && again.includes("\u0001check-layer-junk");
    names.pop();
    if (again === undefined) return;
    if (shared) this.report.problem(dir, "readdir returns a shared array (mutating it changes the layer's listing)");
    if (again.slice().sort().join("\0") !== names.slice().sort().join("\0")) {
      this.report.problem(dir, `two readdir calls disagree: ${fmtList(names)} vs ${fmtList(again)}`);
    }
  }

  checkStatShape(path: string, st: EntryStat): void {
    if (st.type !== "file" && st.type !== "dir" && st.type !== "symlink") this.report.problem(path, `bad type ${JSON.stringify(st.type)}`);
    if (!Number.isInteger(st.mode) || st.mode < 0 || st.mode > 0o7777) this.report.problem(path, `mode ${st.mode} is not permission bits (0..0o7777)`);
    if (!Number.isInteger(st.id) || st.id < 1 || st.id >= 2 ** 32) this.report.problem(path, `id ${st.id} outside 1 <= id < 2**32`);
    if (!Number.isSafeInteger(st.size) || st.size < 0) this.report.problem(path, `size ${st.size} is not a non-negative integer`);
    if (!Number.isInteger(st.nlink) || st.nlink < 1) this.report.problem(path, `nlink ${st.nlink} < 1 for a live entry`);
    if (!Number.isInteger(st.uid) || st.uid < 0 || !Number.isInteger(st.gid) || st.gid < 0) this.report.problem(path, `bad uid/gid ${st.uid}/${st.gid}`);
    for (const k of ["atimeNs", "mtimeNs", "ctimeNs"] as const) {
      if (typeof st[k] !== "bigint") this.report.problem(path, `${k} is a ${typeof st[k]}, not a bigint`);
    }
  }

  checkDir(path: string): void {
    const layer = this.layer;
    this.report.expectErr(path, "open of a directory", Errno.ISDIR, () => layer.open(path));
    this.report.expectErr(path, "readlink of a directory", Errno.INVAL, () => layer.readlink(path));
    const missing = childPath(path, "\u0001missing");
    const st = this.report.guard("stat of a missing name", () => layer.stat(missing), missing);
    if (st !== undefined) this.report.problem(missing, "stat of a missing name is not undefined");
    this.report.expectErr(missing, "readdir of a missing name", Errno.NOENT, () => layer.readdir(missing));
    this.report.expectErr(missing, "open of a missing name", Errno.NOENT, () => layer.open(missing));
    this.report.expectErr(missing, "readlink of a missing name", Errno.NOENT, () => layer.readlink(missing));
  }

  checkNotDirParent(path: string): void {
    const layer = this.layer;
    const under = childPath(path, "x");
    const st = this.report.guard("stat through a non-directory", () => layer.stat(under), under);
    if (st !== undefined) this.report.problem(under, "stat through a non-directory is not undefined");
    this.report.expectErr(path, "readdir of a non-directory", Errno.NOTDIR, () => layer.readdir(path));
    this.report.expectErr(under, "readdir through a non-directory", Errno.NOTDIR, () => layer.readdir(under));
    this.report.expectErr(under, "open through a non-directory", Errno.NOTDIR, () => layer.open(under));
    this.report.expectErr(under, "readlink through a non-directory", Errno.NOTDIR, () => layer.readlink(under));
  }

  checkSymlink(path: string, st: EntryStat): void {
    const target = this.report.guard("readlink", () => this.layer.readlink(path), path);
    if (target !== undefined) {
      if (typeof target !== "string") this.report.problem(path, "readlink did not return a string");
      else if (utf8Length(target) !== st.size) this.report.problem(path, `symlink size ${st.size} != target byte length ${utf8Length(target)}`);
    }
    try {
      this.layer.open(path).close();
      this.report.problem(path, "open of a symlink succeeded (layers never follow links)");
    } catch (e) {
      if (!isFsError(e)) this.report.problem(path, `open of a symlink threw a non-FsError ${describe(e)}`);
    }
    this.checkNotDirParent(path);
  }

  checkFile(path: string, st: EntryStat): void {
    this.report.expectErr(path, "readlink of a file", Errno.INVAL, () => this.layer.readlink(path));
    this.checkNotDirParent(path);
    const f = this.report.guard("open", () => this.layer.open(path), path);
    if (f === undefined) return;
    try {
      const hst = this.report.guard("handle stat", () => f.stat(), path);
      if (hst && (hst.id !== st.id || hst.size !== st.size || hst.type !== "file")) {
        this.report.problem(path, `handle stat (${hst.type}#${hst.id}, ${hst.size} B) != stat (file#${st.id}, ${st.size} B)`);
      }
      checkReads(this.report, path, f, st.size, undefined);
      this.checkContentSourceOf(path, st, f);
    } finally {
      this.report.guard("close", () => f.close(), path);
    }
  }

  /** Layer.contentSourceOf, where the layer has it: the bytes the open file reads, readable before any open. */
  checkContentSourceOf(path: string, st: EntryStat, f: LayerFile): void {
    const layer = this.layer;
    if (layer.contentSourceOf === undefined) return;
    const source = this.report.guard("contentSourceOf", () => layer.contentSourceOf!(path), path);
    if (source === undefined) return;
    const n = Math.min(st.size, this.report.maxRead);
    const want = new Uint8Array(n);
    const got = new Uint8Array(n + 16);
    if (this.report.guard("read", () => readFull(f, want, 0), path) !== n) return;
    const read = this.report.guard("contentSourceOf read", () => readFull(source, got, 0), path);
    if (read === undefined) return;
    const expectGot = n + (st.size > n ? Math.min(16, st.size - n) : 0);
    if (read !== expectGot || firstDiff(got.subarray(0, n), want) >= 0) {
      this.report.problem(path, `contentSourceOf reads ${read} bytes that differ from the open file's (size ${st.size})`);
    }
  }

  /** options.expected: each path exists (a trailing "/": as a directory). */
  checkExpected(): void {
    for (const raw of this.report.options.expected ?? []) {
      const wantDir = raw.endsWith("/");
      const path = raw.replace(/^\/+|\/+$/g, "");
      const st = this.report.guard("stat", () => this.layer.stat(path), path);
      if (st === undefined) this.report.problem(path, "expected path is missing");
      else if (wantDir && st.type !== "dir") this.report.problem(path, `expected a directory, found a ${st.type}`);
    }
  }
}

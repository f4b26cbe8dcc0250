/**
 * The mutation suite, for a WritableLayer: everything happens inside one
 * scratch directory at the root, removed at the end. Create, write/read back,
 * truncate (shrink, grow with zeros), copy-up (`createFileFrom`, whose source
 * the layer then owns), symlink, hard link, rename (all replace and error
 * cases), unlink, rmdir, removeTree, setattr, handles that survive rename and
 * unlink, parent directory times, and that failing operations change nothing.
 *
 * Ownership (core/layer.ts): createFileFrom neither closes its source nor
 * keeps it (the copy still reads right after the caller closed the source; a
 * source's contentSource may be kept instead). With options.openDescriptors,
 * every step must give back the host descriptors it took.
 */
import { Errno } from "../core/errno.ts";
import { childPath } from "../core/layer.ts";
import type { LayerFile, WritableLayer, WritableLayerFile } from "../core/layer.ts";
import { checkReads, bytes, firstDiff, pattern, readFull, utf8Length } from "./content.ts";
import { CopySource } from "./copy-source.ts";
import { describe, fmtList, oct } from "./report.ts";
import type { Report } from "./report.ts";

/** Default name of the scratch directory (options.scratch overrides it). */
const SCRATCH = ".check-layer-scratch";
const OLD_TIME = 1_000_000_000_000_000_000n; // 2001-09-09: "surely not now"
const SET_TIME_A = 1_500_000_000_123_000_000n; // ms-aligned: host APIs with ms precision keep it
const SET_TIME_M = 1_600_000_000_456_000_000n;

export class MutationSuite {
  /** Where failures go. */
  readonly report: Report;
  readonly layer: WritableLayer;
  /** The scratch directory (layer-relative) every step works under. */
  readonly scratch: string;

  constructor(report: Report, layer: WritableLayer) {
    this.report = report;
    this.layer = layer;
    this.scratch = report.options.scratch ?? SCRATCH;
  }

  /** `rel` inside the scratch directory. */
  path(rel: string): string {
    return childPath(this.scratch, rel);
  }

  run(): void {
    const { report, layer, scratch } = this;
    if (layer.stat(scratch) !== undefined) {
      report.problem(scratch, "scratch directory already exists; pass options.scratch");
      return;
    }
    // The root's mtime must move when an entry is added.
    report.guard("setattr root", () => layer.setattr("", { mtimeNs: OLD_TIME }));
    report.guard("mkdir", () => layer.mkdir(scratch, { mode: 0o755 }), scratch);
    const st = layer.stat(scratch);
    if (st === undefined) {
      report.problem(scratch, "mkdir of the scratch directory did not create it; mutation suite skipped");
      return;
    }
    if (st.type !== "dir") report.problem(scratch, `mkdir made a ${st.type}`);
    if ((st.mode & 0o777) !== 0o755) report.problem(scratch, `mkdir mode ${oct(st.mode)}, want 0o755`);
    if (layer.stat("")?.mtimeNs === OLD_TIME) report.problem("", "root mtime unchanged after mkdir of a child");
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
      const dir = this.path(name);
      try {
        layer.mkdir(dir, { mode: 0o755 });
      } catch (e) {
        report.problem(dir, `mkdir: unexpected ${describe(e)}`);
        continue;
      }
      report.keepsNoDescriptors(name, () => report.guard(name, fn, dir));
    }
    this.removeTree();
    report.guard("removeTree of the scratch directory", () => layer.removeTree(scratch), scratch);
    if (layer.stat(scratch) !== undefined) report.problem(scratch, "scratch directory still exists after removeTree");
  }

  /** Record a failure if the subtree under the scratch directory changed. */
  unchanged(what: string, fn: () => void): void {
    const before = this.snapshot(this.scratch);
    fn();
    const after = this.snapshot(this.scratch);
    if (before !== after) this.report.problem(this.scratch, `${what} changed the tree although it failed:\n    before ${before}\n    after  ${after}`);
  }

  /** Failing operation: right errno, and nothing changed. */
  failsWith(path: string, what: string, errnos: number | readonly number[], fn: () => unknown): void {
    this.unchanged(what, () => this.report.expectErr(path, what, errnos, fn));
  }

  snapshot(dir: string): string {
    const out: string[] = [];
    const walk = (d: string): void => {
      for (const name of this.layer.readdir(d).sort()) {
        const p = childPath(d, name);
        const st = this.layer.stat(p);
        if (st === undefined) {
          out.push(`${p}:?`);
          continue;
        }
        let extra = "";
        if (st.type === "symlink") extra = "->" + this.layer.readlink(p);
        out.push(`${p}:${st.type}#${st.id}:${st.size}:${oct(st.mode)}:${st.nlink}${extra}`);
        if (st.type === "dir") walk(p);
      }
    };
    walk(dir);
    return out.join(" ");
  }

  write(path: string, data: Uint8Array, at = 0): void {
    const f = this.layer.openWrite(path);
    try {
      const n = f.write(data, at);
      if (n !== data.length) this.report.problem(path, `write of ${data.length} bytes returned ${n}`);
    } finally {
      f.close();
    }
  }

  readAll(path: string): Uint8Array {
    const f = this.layer.open(path);
    try {
      const size = f.stat().size;
      const out = new Uint8Array(size);
      const n = readFull(f, out, 0);
      if (n !== size) this.report.problem(path, `read ${n} bytes of a ${size}-byte file`);
      return out;
    } finally {
      f.close();
    }
  }

  expectContent(path: string, want: Uint8Array, what: string): void {
    const got = this.report.guard(what, () => this.readAll(path), path);
    if (got === undefined) return;
    const d = firstDiff(got, want);
    if (d >= 0 || got.length !== want.length) {
      this.report.problem(path, `${what}: content differs at byte ${d} (size ${got.length}, want ${want.length})`);
    }
  }

  // ---- steps ----

  create(): void {
    const { report, layer } = this;
    const d = this.path("create");
    const f = this.path("create/f");
    layer.setattr(d, { mtimeNs: OLD_TIME });
    layer.createFile(f, { mode: 0o640 });
    const st = layer.stat(f);
    if (st === undefined) return report.problem(f, "createFile did not create the file");
    if (st.type !== "file" || st.size !== 0 || st.nlink !== 1) report.problem(f, `new file is ${st.type}, ${st.size} B, nlink ${st.nlink}`);
    if ((st.mode & 0o777) !== 0o640) report.problem(f, `createFile mode ${oct(st.mode)}, want 0o640`);
    if (layer.stat(d)?.mtimeNs === OLD_TIME) report.problem(d, "parent mtime unchanged after createFile");
    const timed = this.path("create/timed");
    layer.createFile(timed, { mode: 0o600, atimeNs: SET_TIME_A, mtimeNs: SET_TIME_M });
    const ts = layer.stat(timed);
    if (ts && (ts.mtimeNs !== SET_TIME_M || ts.atimeNs !== SET_TIME_A)) report.problem(timed, `createFile ignored the given times (${ts.atimeNs}/${ts.mtimeNs})`);
    layer.mkdir(this.path("create/sub"), { mode: 0o700 });
    const sub = layer.stat(this.path("create/sub"));
    if (sub && (sub.mode & 0o777) !== 0o700) report.problem(this.path("create/sub"), `mkdir mode ${oct(sub.mode)}, want 0o700`);
    if (sub && layer.stat(f)?.id === sub.id) report.problem(f, "two new entries share an id");

    this.failsWith(f, "createFile over a file", Errno.EXIST, () => layer.createFile(f, { mode: 0o644 }));
    this.failsWith(d, "createFile over a directory", Errno.EXIST, () => layer.createFile(this.path("create/sub"), { mode: 0o644 }));
    this.failsWith(f, "mkdir over a file", Errno.EXIST, () => layer.mkdir(f, { mode: 0o755 }));
    this.failsWith(d, "mkdir over a directory", Errno.EXIST, () => layer.mkdir(this.path("create/sub"), { mode: 0o755 }));
    this.failsWith(d, "mkdir with a missing parent", Errno.NOENT, () => layer.mkdir(this.path("create/nope/x"), { mode: 0o755 }));
    this.failsWith(d, "createFile with a missing parent", Errno.NOENT, () => layer.createFile(this.path("create/nope/x"), { mode: 0o644 }));
    this.failsWith(f, "mkdir under a file", Errno.NOTDIR, () => layer.mkdir(childPath(f, "x"), { mode: 0o755 }));
    this.failsWith(f, "createFile under a file", Errno.NOTDIR, () => layer.createFile(childPath(f, "x"), { mode: 0o644 }));
    this.failsWith(d, "openWrite of a directory", Errno.ISDIR, () => layer.openWrite(d));
    this.failsWith(d, "openWrite of a missing file", Errno.NOENT, () => layer.openWrite(this.path("create/missing")));
    // Whiteout names are ordinary entries for a layer.
    layer.createFile(this.path("create/.wh.gone"), { mode: 0o644 });
    layer.mkdir(this.path("create/opq"), { mode: 0o755 });
    layer.createFile(this.path("create/opq/.wh..wh..opq"), { mode: 0o644 });
    const names = layer.readdir(this.path("create")).sort();
    const want = [".wh.gone", "f", "opq", "sub", "timed"];
    if (names.join("/") !== want.join("/")) report.problem(d, `readdir ${fmtList(names)}, want ${fmtList(want)}`);
  }

  writeReadTruncate(): void {
    const { report, layer } = this;
    const f = this.path("write/f");
    layer.createFile(f, { mode: 0o644 });
    layer.setattr(f, { mtimeNs: OLD_TIME });
    const h = layer.openWrite(f);
    try {
      const hello = bytes("hello world");
      const n = h.write(hello, 0);
      if (n !== hello.length) report.problem(f, `write returned ${n}, want ${hello.length}`);
      const st = layer.stat(f);
      if (st?.size !== 11) report.problem(f, `size after write ${st?.size}, want 11`);
      if (st?.mtimeNs === OLD_TIME) report.problem(f, "mtime unchanged after write");
      if (st && st.ctimeNs < st.mtimeNs) report.problem(f, `ctime ${st.ctimeNs} < mtime ${st.mtimeNs} after a write (a write sets both)`);
      if (h.stat().size !== 11) report.problem(f, "handle stat size disagrees after write");
      const back = new Uint8Array(11);
      if (h.read(back, 0) !== 11 || firstDiff(back, hello) >= 0) report.problem(f, "read back through the write handle differs");
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
      layer.setattr(f, { mtimeNs: OLD_TIME });
      h.truncate(0);
      if (layer.stat(f)?.mtimeNs === OLD_TIME) report.problem(f, "mtime unchanged after truncate");
      if (layer.stat(f)?.size !== 0) report.problem(f, "size after truncate(0) is not 0");
      // A larger pattern across chunk boundaries at an odd offset, read back in odd chunks.
      const big = pattern(200_000, 7);
      h.write(big, 70_001);
      const full = new Uint8Array(270_001);
      full.set(big, 70_001);
      checkReads(this.report, f, h, 270_001, full);
      // Overwrite in the middle.
      const mid = pattern(5000, 3);
      h.write(mid, 131_000);
      full.set(mid, 131_000);
      this.expectContent(f, full, "overwrite in the middle");
    } finally {
      h.close();
    }
    // A read-only handle cannot write.
    const r = layer.open(f) as Partial<WritableLayerFile> & LayerFile;
    try {
      if (typeof r.write === "function") {
        report.expectErr(f, "write through a read-only handle", [Errno.BADF, Errno.PERM, Errno.ACCES, Errno.ROFS], () => r.write!(bytes("no"), 0));
      }
    } finally {
      r.close();
    }
  }

  copyUp(): void {
    const { report, layer } = this;
    const f = this.path("copy-up/f");
    const data = pattern(300_000, 11);
    const src = new CopySource(data);
    layer.createFileFrom(f, src, { mode: 0o600, uid: 0, gid: 0, atimeNs: SET_TIME_A, mtimeNs: SET_TIME_M });
    const st = layer.stat(f);
    if (st === undefined) return report.problem(f, "createFileFrom did not create the file");
    if (st.type !== "file" || st.size !== data.length) report.problem(f, `copy is ${st.type} of ${st.size} B, want file of ${data.length}`);
    if ((st.mode & 0o777) !== 0o600) report.problem(f, `copy mode ${oct(st.mode)}, want 0o600`);
    if (st.mtimeNs !== SET_TIME_M) report.problem(f, `copy-up did not keep mtime (${st.mtimeNs}, want ${SET_TIME_M})`);
    const fh = layer.open(f);
    try {
      checkReads(report, f, fh, data.length, data);
    } finally {
      fh.close();
    }
    // Write into the middle: only that range changes; the source is never written.
    const want = data.slice();
    const patch = bytes("PATCH");
    this.write(f, patch, 150_001);
    want.set(patch, 150_001);
    this.expectContent(f, want, "write into a copied-up file");
    if (firstDiff(src.data, pattern(300_000, 11)) >= 0) report.problem(f, "createFileFrom wrote to its source");
    // Shrink then grow: the grown range is zeros, not the source's bytes.
    const h = layer.openWrite(f);
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
    const owned = new CopySource(pattern(70_000, 5));
    const g = this.path("copy-up/owned");
    layer.createFileFrom(g, owned, { mode: 0o644 });
    if (owned.closed) report.problem(g, "createFileFrom closed its source (the caller owns it)");
    owned.close();
    this.expectContent(g, pattern(70_000, 5), "copy read after its source was closed (a layer must not keep the handle)");
    // A source offering contentSource: kept instead of the handle (or copied), either way right after close.
    const lazy = new CopySource(pattern(90_000, 6), true);
    const h2 = this.path("copy-up/lazy");
    layer.createFileFrom(h2, lazy, { mode: 0o644 });
    lazy.close();
    this.write(h2, bytes("x"), 89_999);
    const lazyWant = pattern(90_000, 6);
    lazyWant[89_999] = 120;
    this.expectContent(h2, lazyWant, "copy of a contentSource after its handle was closed");
    if (layer.createFileFromSource !== undefined) this.copyUpFromSource(layer.createFileFromSource.bind(layer));
    // An empty source and EEXIST.
    layer.createFileFrom(this.path("copy-up/empty"), new CopySource(new Uint8Array(0)), { mode: 0o644 });
    if (layer.stat(this.path("copy-up/empty"))?.size !== 0) report.problem(this.path("copy-up/empty"), "copy of an empty source is not empty");
    this.failsWith(f, "createFileFrom over an existing file", Errno.EXIST, () => layer.createFileFrom(f, new CopySource(data), { mode: 0o644 }));
    this.failsWith(f, "createFileFrom with a missing parent", Errno.NOENT, () =>
      layer.createFileFrom(this.path("copy-up/nope/x"), new CopySource(data), { mode: 0o644 }));
  }

  /** WritableLayer.createFileFromSource: the source's bytes up to the size given, attributes kept, writes never reaching the source; EEXIST, ENOENT. */
  copyUpFromSource(create: NonNullable<WritableLayer["createFileFromSource"]>): void {
    const { report } = this;
    const f = this.path("copy-up/by-reference");
    const data = pattern(200_000, 9);
    let reads = 0;
    const source = { read: (into: Uint8Array, position: number) => { reads++; return new CopySource(data).read(into, position); } };
    create(f, source, 150_000, { mode: 0o640, uid: 0, gid: 0, atimeNs: SET_TIME_A, mtimeNs: SET_TIME_M });
    const st = this.layer.stat(f);
    if (st === undefined) return report.problem(f, "createFileFromSource did not create the file");
    if (st.type !== "file" || st.size !== 150_000) report.problem(f, `copy is ${st.type} of ${st.size} B, want file of 150000`);
    if ((st.mode & 0o777) !== 0o640) report.problem(f, `copy mode ${oct(st.mode)}, want 0o640`);
    if (st.mtimeNs !== SET_TIME_M) report.problem(f, `createFileFromSource did not keep mtime (${st.mtimeNs}, want ${SET_TIME_M})`);
    const want = data.slice(0, 150_000);
    const patch = bytes("PATCH");
    this.write(f, patch, 70_000);
    want.set(patch, 70_000);
    this.expectContent(f, want, "write into a file created from a source");
    if (firstDiff(data, pattern(200_000, 9)) >= 0) report.problem(f, "createFileFromSource wrote to its source");
    if (reads === 0) report.problem(f, "createFileFromSource never read its source");
    this.failsWith(f, "createFileFromSource over an existing file", Errno.EXIST, () => create(f, source, 10, { mode: 0o644 }));
    this.failsWith(f, "createFileFromSource with a missing parent", Errno.NOENT, () => create(this.path("copy-up/nope/y"), source, 10, { mode: 0o644 }));
  }

  symlinks(): void {
    const { report, layer } = this;
    const targets = ["../some/target", "/abs/path", "a//b/./../c/", "x", "ünïcødé→"];
    targets.forEach((t, i) => {
      const p = this.path(`symlink/l${i}`);
      layer.symlink(p, t);
      const st = layer.stat(p);
      if (st?.type !== "symlink") report.problem(p, `symlink created a ${st?.type}`);
      const got = layer.readlink(p);
      if (got !== t) report.problem(p, `readlink ${JSON.stringify(got)}, want verbatim ${JSON.stringify(t)}`);
      if (st && st.size !== utf8Length(t)) report.problem(p, `symlink size ${st.size}, want ${utf8Length(t)}`);
    });
    const l0 = this.path("symlink/l0");
    this.failsWith(l0, "symlink over an existing name", Errno.EXIST, () => layer.symlink(l0, "y"));
    this.failsWith(l0, "symlink with a missing parent", Errno.NOENT, () => layer.symlink(this.path("symlink/nope/x"), "y"));
    this.failsWith(l0, "openWrite of a symlink", [Errno.LOOP, Errno.INVAL, Errno.NOENT, Errno.PERM, Errno.ISDIR, Errno.NOTSUP], () => layer.openWrite(l0));
    report.expectErr(l0, "readdir of a symlink", Errno.NOTDIR, () => layer.readdir(l0));
  }

  links(): void {
    const { report, layer } = this;
    const a = this.path("link/a");
    const b = this.path("link/b");
    layer.createFile(a, { mode: 0o644 });
    this.write(a, bytes("shared"));
    layer.link(a, b);
    const sa = layer.stat(a);
    const sb = layer.stat(b);
    if (!sa || !sb) return report.problem(b, "link did not create the new name");
    if (sa.id !== sb.id) report.problem(b, `hard link has id ${sb.id}, original ${sa.id}`);
    if (sa.nlink !== 2 || sb.nlink !== 2) report.problem(b, `nlink after link ${sa.nlink}/${sb.nlink}, want 2`);
    this.write(b, bytes("SH"));
    this.expectContent(a, bytes("SHared"), "write through a hard link");
    // Linking a symlink links the symlink itself.
    layer.symlink(this.path("link/s"), "a");
    layer.link(this.path("link/s"), this.path("link/s2"));
    const s2 = layer.stat(this.path("link/s2"));
    if (s2?.type !== "symlink" || layer.readlink(this.path("link/s2")) !== "a") report.problem(this.path("link/s2"), "link of a symlink did not link the symlink itself");
    this.failsWith(b, "link onto an existing name", Errno.EXIST, () => layer.link(a, b));
    this.failsWith(a, "link of a missing file", Errno.NOENT, () => layer.link(this.path("link/missing"), this.path("link/c")));
    this.failsWith(a, "link of a directory", Errno.PERM, () => layer.link(this.path("link"), this.path("link/d")));
    this.failsWith(a, "link into a missing directory", Errno.NOENT, () => layer.link(a, this.path("link/nope/x")));
    // Unlink one alias: the other keeps content and drops to nlink 1.
    layer.unlink(a);
    const after = layer.stat(b);
    if (after?.nlink !== 1) report.problem(b, `nlink after unlinking the other alias ${after?.nlink}, want 1`);
    this.expectContent(b, bytes("SHared"), "content after unlinking the other alias");
  }

  renames(): void {
    const { report, layer } = this;
    const d = this.path("rename");
    const p = (x: string) => this.path("rename/" + x);
    // File over file: the target is replaced, an open handle on it keeps the old file.
    layer.createFile(p("f1"), { mode: 0o644 });
    this.write(p("f1"), bytes("one"));
    layer.createFile(p("f2"), { mode: 0o644 });
    this.write(p("f2"), bytes("two!"));
    const id1 = layer.stat(p("f1"))?.id;
    const old = layer.open(p("f2"));
    try {
      layer.setattr(d, { mtimeNs: OLD_TIME });
      layer.rename(p("f1"), p("f2"));
      if (layer.stat(p("f1")) !== undefined) report.problem(p("f1"), "source still exists after rename");
      const st = layer.stat(p("f2"));
      if (st?.id !== id1) report.problem(p("f2"), `renamed file has id ${st?.id}, want ${id1} (ids move with the object)`);
      if (layer.stat(d)?.mtimeNs === OLD_TIME) report.problem(d, "parent mtime unchanged after rename");
      this.expectContent(p("f2"), bytes("one"), "rename file over file");
      const buf = new Uint8Array(8);
      const n = old.read(buf, 0);
      if (n !== 4 || new TextDecoder().decode(buf.subarray(0, n)) !== "two!") report.problem(p("f2"), "an open handle on a replaced file no longer reads its content");
    } finally {
      old.close();
    }
    // Same name: no-op.
    this.unchanged("rename onto itself", () => report.guard("rename onto itself", () => layer.rename(p("f2"), p("f2")), p("f2")));
    // Directory (with content) across directories: descendants keep their ids.
    layer.mkdir(p("a"), { mode: 0o755 });
    layer.mkdir(p("a/deep"), { mode: 0o755 });
    layer.createFile(p("a/deep/x"), { mode: 0o644 });
    this.write(p("a/deep/x"), bytes("deep"));
    layer.mkdir(p("b"), { mode: 0o755 });
    const xid = layer.stat(p("a/deep/x"))?.id;
    layer.rename(p("a"), p("b/moved"));
    if (layer.stat(p("a")) !== undefined) report.problem(p("a"), "directory still exists after rename");
    if (layer.stat(p("b/moved/deep/x"))?.id !== xid) report.problem(p("b/moved/deep/x"), "a renamed directory's descendant changed id or vanished");
    this.expectContent(p("b/moved/deep/x"), bytes("deep"), "content under a renamed directory");
    // Directory over an empty directory.
    layer.mkdir(p("empty"), { mode: 0o755 });
    layer.rename(p("b/moved"), p("empty"));
    if (layer.stat(p("empty/deep/x"))?.id !== xid) report.problem(p("empty"), "rename of a directory over an empty directory lost its content");
    // Error cases, each leaving the tree unchanged.
    layer.mkdir(p("full"), { mode: 0o755 });
    layer.createFile(p("full/.wh.x"), { mode: 0o644 }); // raw emptiness: a whiteout counts
    layer.mkdir(p("dir2"), { mode: 0o755 });
    this.failsWith(d, "rename a directory over a non-empty directory", [Errno.NOTEMPTY, Errno.EXIST], () => layer.rename(p("dir2"), p("full")));
    this.failsWith(d, "rename a directory over a file", Errno.NOTDIR, () => layer.rename(p("dir2"), p("f2")));
    this.failsWith(d, "rename a file over a directory", Errno.ISDIR, () => layer.rename(p("f2"), p("dir2")));
    this.failsWith(d, "rename a directory into itself", Errno.INVAL, () => layer.rename(p("empty"), p("empty/deep/inside")));
    this.failsWith(d, "rename a directory onto its own child name", Errno.INVAL, () => layer.rename(p("empty"), p("empty/new")));
    this.failsWith(d, "rename of a missing source", Errno.NOENT, () => layer.rename(p("missing"), p("other")));
    this.failsWith(d, "rename into a missing directory", Errno.NOENT, () => layer.rename(p("f2"), p("nope/x")));
    this.failsWith(d, "rename under a file", Errno.NOTDIR, () => layer.rename(p("f2"), p("f2/x")));
    this.failsWith(d, "rename of a missing source into a path under a file", Errno.NOTDIR, () => layer.rename(p("missing"), p("f2/x")));
    // Symlinks move as themselves.
    layer.symlink(p("sl"), "f2");
    layer.rename(p("sl"), p("sl2"));
    if (layer.readlink(p("sl2")) !== "f2") report.problem(p("sl2"), "a renamed symlink changed target");
    // Two names of one file: rename is a no-op that keeps both (POSIX).
    layer.link(p("f2"), p("f3"));
    this.unchanged("rename between two links of one file", () =>
      report.guard("rename between hard links", () => layer.rename(p("f2"), p("f3")), p("f3")));
  }

  unlinks(): void {
    const { report, layer } = this;
    const d = this.path("unlink");
    const f = this.path("unlink/f");
    layer.createFile(f, { mode: 0o644 });
    this.write(f, bytes("bye"));
    layer.symlink(this.path("unlink/s"), "f");
    layer.setattr(d, { mtimeNs: OLD_TIME });
    layer.unlink(this.path("unlink/s"));
    if (layer.stat(f) === undefined) report.problem(f, "unlink of a symlink removed its target");
    if (layer.stat(d)?.mtimeNs === OLD_TIME) report.problem(d, "parent mtime unchanged after unlink");
    layer.unlink(f);
    if (layer.stat(f) !== undefined) report.problem(f, "file still exists after unlink");
    layer.mkdir(this.path("unlink/sub"), { mode: 0o755 });
    this.failsWith(d, "unlink of a directory", [Errno.ISDIR, Errno.PERM], () => layer.unlink(this.path("unlink/sub")));
    this.failsWith(d, "unlink of a missing name", Errno.NOENT, () => layer.unlink(f));
    this.failsWith(d, "unlink through a file", Errno.NOTDIR, () => {
      layer.createFile(this.path("unlink/g"), { mode: 0o644 });
      try {
        layer.unlink(this.path("unlink/g/x"));
      } finally {
        layer.unlink(this.path("unlink/g"));
      }
    });
  }

  rmdirs(): void {
    const { report, layer } = this;
    const d = this.path("rmdir");
    const p = (x: string) => this.path("rmdir/" + x);
    layer.mkdir(p("e"), { mode: 0o755 });
    layer.setattr(d, { mtimeNs: OLD_TIME });
    layer.rmdir(p("e"));
    if (layer.stat(p("e")) !== undefined) report.problem(p("e"), "directory still exists after rmdir");
    if (layer.stat(d)?.mtimeNs === OLD_TIME) report.problem(d, "parent mtime unchanged after rmdir");
    layer.mkdir(p("full"), { mode: 0o755 });
    layer.createFile(p("full/.wh.x"), { mode: 0o644 });
    layer.createFile(p("file"), { mode: 0o644 });
    this.failsWith(d, "rmdir of a directory holding only a whiteout", Errno.NOTEMPTY, () => layer.rmdir(p("full")));
    this.failsWith(d, "rmdir of a file", Errno.NOTDIR, () => layer.rmdir(p("file")));
    this.failsWith(d, "rmdir of a missing name", Errno.NOENT, () => layer.rmdir(p("missing")));
    this.failsWith(d, "removeTree of a missing name", Errno.NOENT, () => layer.removeTree(p("missing")));
  }

  removeTree(): void {
    const { report, layer } = this;
    const t = this.path("tree");
    const out = this.path("outside");
    report.guard("removeTree setup", () => {
      layer.mkdir(t, { mode: 0o755 });
      layer.mkdir(childPath(t, "a"), { mode: 0o755 });
      layer.mkdir(childPath(t, "a/b"), { mode: 0o700 });
      layer.createFile(childPath(t, "a/b/f"), { mode: 0o644 });
      layer.symlink(childPath(t, "a/l"), "b/f");
      layer.createFile(childPath(t, ".wh.x"), { mode: 0o644 });
      layer.link(childPath(t, "a/b/f"), out);
    }, t);
    const ok = report.guard("removeTree", () => layer.removeTree(t), t);
    if (ok === undefined && layer.stat(t) !== undefined) return;
    if (layer.stat(t) !== undefined) report.problem(t, "directory still exists after removeTree");
    const o = layer.stat(out);
    if (o === undefined) report.problem(out, "removeTree removed a hard link outside the tree");
    else if (o.nlink !== 1) report.problem(out, `nlink of the surviving alias ${o.nlink}, want 1`);
    report.guard("unlink", () => layer.unlink(out), out);
  }

  setattrs(): void {
    const { report, layer } = this;
    const f = this.path("setattr/f");
    const d = this.path("setattr/d");
    const s = this.path("setattr/s");
    layer.createFile(f, { mode: 0o644 });
    layer.mkdir(d, { mode: 0o755 });
    layer.symlink(s, "f");
    const before = layer.stat(f)!;
    layer.setattr(f, { mode: 0o600 });
    const st = layer.stat(f)!;
    if ((st.mode & 0o7777) !== 0o600) report.problem(f, `mode after setattr ${oct(st.mode)}, want 0o600`);
    if (st.mtimeNs !== before.mtimeNs) report.problem(f, "setattr(mode) changed mtime");
    if (st.ctimeNs < before.ctimeNs) report.problem(f, "ctime went backwards after setattr");
    layer.setattr(f, { mode: 0o4755 });
    if ((layer.stat(f)!.mode & 0o7777) !== 0o4755) report.problem(f, `setuid bit not kept by setattr (${oct(layer.stat(f)!.mode)})`);
    for (const p of [f, d, s]) {
      layer.setattr(p, { atimeNs: SET_TIME_A, mtimeNs: SET_TIME_M });
      const t = layer.stat(p)!;
      if (t.atimeNs !== SET_TIME_A || t.mtimeNs !== SET_TIME_M) report.problem(p, `times after setattr ${t.atimeNs}/${t.mtimeNs}, want ${SET_TIME_A}/${SET_TIME_M}`);
      if (t.ctimeNs === SET_TIME_M) report.problem(p, "setattr set ctime to the given mtime (ctime is the change time)");
    }
    if (layer.stat(f)!.mtimeNs !== SET_TIME_M) report.problem(f, "setattr on a symlink changed its target");
    layer.setattr(f, { mtimeNs: SET_TIME_A });
    if (layer.stat(f)!.atimeNs !== SET_TIME_A || layer.stat(f)!.mtimeNs !== SET_TIME_A) report.problem(f, "setattr of mtime alone disturbed atime");
    if (report.options.owners !== false) {
      layer.setattr(f, { uid: 1234, gid: 5678 });
      const o = layer.stat(f)!;
      if (o.uid !== 1234 || o.gid !== 5678) report.problem(f, `owner after setattr ${o.uid}:${o.gid}, want 1234:5678`);
    }
    this.failsWith(f, "setattr of a missing name", Errno.NOENT, () => layer.setattr(this.path("setattr/missing"), { mode: 0o600 }));
  }

  handles(): void {
    const { report, layer } = this;
    const p = (x: string) => this.path("handles/" + x);
    layer.createFile(p("f"), { mode: 0o644 });
    const w = layer.openWrite(p("f"));
    const r = layer.open(p("f"));
    try {
      w.write(bytes("before"), 0);
      layer.rename(p("f"), p("g"));
      w.write(bytes("AFTER"), 0);
      this.expectContent(p("g"), bytes("AFTERe"), "write through a handle after rename");
      const buf = new Uint8Array(6);
      if (r.read(buf, 0) !== 6 || new TextDecoder().decode(buf) !== "AFTERe") report.problem(p("g"), "read handle does not see writes after rename");
      const id = layer.stat(p("g"))!.id;
      layer.unlink(p("g"));
      if (w.write(bytes("gone"), 10) !== 4) report.problem(p("g"), "write to an unlinked file through an open handle failed");
      const st = w.stat();
      if (st.id !== id || st.size !== 14) report.problem(p("g"), `handle stat after unlink ${st.id}/${st.size} B, want ${id}/14`);
      const tail = new Uint8Array(4);
      if (r.read(tail, 10) !== 4 || new TextDecoder().decode(tail) !== "gone") report.problem(p("g"), "read of an unlinked file through an open handle failed");
      if (layer.stat(p("g")) !== undefined) report.problem(p("g"), "unlinked file reappeared");
      w.sync();
    } finally {
      w.close();
      r.close();
    }
  }
}

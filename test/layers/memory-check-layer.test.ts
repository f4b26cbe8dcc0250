// checkLayer must catch real bugs: each test wraps a correct MemoryLayer in a
// proxy with one deliberate defect and asserts that checkLayer reports it.
import { describe, expect, it } from "vitest";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { checkLayer, layerProblems, LayerCheckError } from "../../src/testing/mod.ts";
import { Errno, FsError } from "../../src/core/errno.ts";
import type { EntryStat, Layer, LayerFile, WritableLayer, WritableLayerFile } from "../../src/core/layer.ts";

const fixture = () =>
  MemoryLayer.from({
    "dir/file": "hello, layer",
    "dir/big": { file: { size: 300_000, fill: Uint8Array.of(1, 2, 3, 4, 5, 6, 7) } },
    "dir/.wh.x": "",
    link: { symlink: "dir/file" },
    hard: { link: "dir/file" },
    "empty/": {},
  });

/** A WritableLayer that forwards everything to `inner`, except `over`. */
function proxy(inner: MemoryLayer, over: Partial<WritableLayer> = {}): WritableLayer {
  const base: WritableLayer = {
    writable: true,
    stat: (p) => inner.stat(p),
    readdir: (p) => inner.readdir(p),
    readlink: (p) => inner.readlink(p),
    open: (p) => inner.open(p),
    mkdir: (p, a) => inner.mkdir(p, a),
    createFile: (p, a) => inner.createFile(p, a),
    createFileFrom: (p, s, a) => inner.createFileFrom(p, s, a),
    symlink: (p, t, a) => inner.symlink(p, t, a),
    link: (a, b) => inner.link(a, b),
    unlink: (p) => inner.unlink(p),
    rmdir: (p) => inner.rmdir(p),
    removeTree: (p) => inner.removeTree(p),
    rename: (a, b) => inner.rename(a, b),
    setattr: (p, a) => inner.setattr(p, a),
    openWrite: (p) => inner.openWrite(p),
  };
  return Object.assign(base, over);
}

/** A read-only view (no mutation suite). */
function readOnly(inner: Layer, over: Partial<Layer> = {}): Layer {
  return Object.assign({
    stat: (p: string) => inner.stat(p),
    readdir: (p: string) => inner.readdir(p),
    readlink: (p: string) => inner.readlink(p),
    open: (p: string) => inner.open(p),
  }, over);
}

function expectProblem(layer: Layer, pattern: RegExp): string[] {
  const problems = layerProblems(layer);
  expect(problems.some((p) => pattern.test(p)), `no problem matches ${pattern}; got:\n${problems.join("\n")}`).toBe(true);
  return problems;
}

describe("checkLayer", () => {
  it("checkLayer passes the unmodified proxy (the baseline for every defect below)", () => {
    expect(layerProblems(proxy(fixture()))).toEqual([]);
    expect(layerProblems(readOnly(fixture()))).toEqual([]);
  });

  it("checkLayer throws one LayerCheckError listing every failure", () => {
    const inner = fixture();
    const bad = readOnly(inner, {
      readdir: (p) => (p === "" ? [...inner.readdir(p), "phantom"] : inner.readdir(p)),
      readlink: (p) => (p === "dir/file" ? "" : inner.readlink(p)),
    });
    let err: unknown;
    try {
      checkLayer(bad, { expected: ["dir/", "missing-file"] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LayerCheckError);
    const failures = (err as LayerCheckError).failures;
    expect(failures.some((f) => /phantom.*stat gives undefined/.test(f))).toBe(true);
    expect(failures.some((f) => /readlink of a file.*succeeded/.test(f))).toBe(true);
    expect(failures.some((f) => /missing-file.*expected path is missing/.test(f))).toBe(true);
    expect((err as Error).message).toContain(`${failures.length} problems`);
  });

  it("checkLayer reports an expected directory that is a file", () => {
    expect(layerProblems(fixture(), { expected: ["dir/file/"] }).join("\n")).toMatch(/expected a directory, found a file/);
  });

  it("checkLayer catches ids that change between stat calls", () => {
    const inner = fixture();
    let n = 0;
    expectProblem(readOnly(inner, {
      stat: (p) => {
        const st = inner.stat(p);
        return st && p === "dir/file" ? { ...st, id: 1000 + n++ } : st;
      },
    }), /not stable across stat calls/);
  });

  it("checkLayer passes stamps that hold still and catches ones that do not (memoKey / dirStamp)", () => {
    const inner = fixture();
    const isDir = (p: string) => inner.stat(p)?.type === "dir";
    const stamps = (over: Partial<Layer> = {}) => readOnly(inner, { memoKey: "k", dirStamp: (p: string) => (isDir(p) ? [p.length] : undefined), ...over });
    expect(layerProblems(stamps())).toEqual([]);
    let n = 0;
    expectProblem(stamps({ dirStamp: (p: string) => (isDir(p) ? [n++] : undefined) }), /two fresh dirStamps of an unchanged directory differ/);
    expectProblem(stamps({ dirStamp: (p: string, fresh: boolean) => (isDir(p) ? [fresh ? 1 : 2] : undefined) }), /taken earlier differs/);
    expectProblem(stamps({ dirStamp: () => [1] }), /dirStamp of a non-directory is not undefined/);
    expectProblem(stamps({ dirStamp: undefined }), /memoKey is set but .* dirStamp is missing/);
  });

  it("checkLayer catches hard links whose nlink does not count their names", () => {
    const inner = fixture();
    expectProblem(readOnly(inner, {
      stat: (p) => {
        const st = inner.stat(p);
        return st && st.type === "file" ? { ...st, nlink: 1 } : st;
      },
    }), /hard-link group .* nlink 1/);
  });

  it("checkLayer catches two directories sharing an id", () => {
    const inner = fixture();
    expectProblem(readOnly(inner, {
      stat: (p) => {
        const st = inner.stat(p);
        return st && p === "empty" ? { ...st, id: inner.stat("dir")!.id } : st;
      },
    }), /directories cannot be hard-linked/);
  });

  it("checkLayer catches reads that ignore the position", () => {
    const inner = fixture();
    expectProblem(readOnly(inner, {
      open: (p) => {
        const f = inner.open(p);
        return { read: (into: Uint8Array) => f.read(into, 0), stat: () => f.stat(), close: () => f.close() };
      },
    }), /chunked read .* differs from the whole read|returned/);
  });

  it("checkLayer catches reads past EOF that return data", () => {
    const inner = fixture();
    expectProblem(readOnly(inner, {
      open: (p) => {
        const f = inner.open(p);
        const size = f.stat().size;
        return {
          read: (into: Uint8Array, pos: number) => (pos >= size ? into.length : f.read(into, pos)),
          stat: () => f.stat(),
          close: () => f.close(),
        };
      },
    }), /read at \d+ \(size \d+\) returned 8, want 0|whole read returned 16 bytes, want 0/);
  });

  it("checkLayer catches a file size that disagrees with the content", () => {
    const inner = fixture();
    expectProblem(readOnly(inner, {
      stat: (p) => {
        const st = inner.stat(p);
        return st && p === "dir/file" ? { ...st, size: st.size + 3 } : st;
      },
    }), /whole read returned 12 bytes, want 15|differs/);
  });

  it("checkLayer catches stat that throws ENOTDIR through a file instead of returning undefined", () => {
    const inner = fixture();
    expectProblem(readOnly(inner, {
      stat: (p) => {
        if (p.startsWith("dir/file/")) throw new FsError(Errno.NOTDIR, "stat", p);
        return inner.stat(p);
      },
    }), /stat through a non-directory: unexpected ENOTDIR/);
  });

  it("checkLayer catches exceptions that are not FsErrors", () => {
    const inner = fixture();
    expectProblem(readOnly(inner, {
      open: (p) => {
        if (inner.stat(p) === undefined) throw new TypeError("oops");
        return inner.open(p);
      },
    }), /open of a missing name: threw a non-FsError TypeError: oops/);
  });

  it("checkLayer catches a wrong errno for open of a directory", () => {
    const inner = fixture();
    expectProblem(readOnly(inner, {
      open: (p) => {
        if (inner.stat(p)?.type === "dir") throw new FsError(Errno.NOENT, "open", p);
        return inner.open(p);
      },
    }), /open of a directory: got ENOENT, want EISDIR/);
  });

  it("checkLayer catches readdir returning the layer's internal array", () => {
    const inner = fixture();
    const cache = new Map<string, string[]>();
    expectProblem(readOnly(inner, {
      readdir: (p) => {
        if (!cache.has(p)) cache.set(p, inner.readdir(p));
        return cache.get(p)!;
      },
    }), /readdir returns a shared array/);
  });

  it("checkLayer catches a symlink whose size is not the target length", () => {
    const inner = fixture();
    expectProblem(readOnly(inner, {
      stat: (p) => {
        const st = inner.stat(p);
        return st && st.type === "symlink" ? { ...st, size: 0 } : st;
      },
    }), /symlink size 0 != target byte length 8/);
  });

  it("checkLayer catches duplicate and invalid names in readdir", () => {
    const inner = fixture();
    expectProblem(readOnly(inner, {
      readdir: (p) => (p === "dir" ? [...inner.readdir(p), "file", ".."] : inner.readdir(p)),
    }), /lists "file" twice/);
  });

  // ---- mutation suite defects ----

  it("checkLayer catches rmdir that removes a non-empty directory", () => {
    const inner = fixture();
    expectProblem(proxy(inner, { rmdir: (p) => inner.removeTree(p) }), /rmdir of a directory holding only a whiteout: succeeded, want ENOTEMPTY/);
  });

  it("checkLayer catches rename that replaces a non-empty directory", () => {
    const inner = fixture();
    expectProblem(proxy(inner, {
      rename: (a, b) => {
        const st = inner.stat(b);
        if (st?.type === "dir" && inner.stat(a)?.type === "dir") inner.removeTree(b);
        inner.rename(a, b);
      },
    }), /rename a directory over a non-empty directory: succeeded/);
  });

  it("checkLayer catches rename of a directory into itself that is not EINVAL", () => {
    const inner = fixture();
    expectProblem(proxy(inner, {
      rename: (a, b) => {
        if (b.startsWith(a + "/")) throw new FsError(Errno.NOENT, "rename", b);
        inner.rename(a, b);
      },
    }), /rename a directory into itself: got ENOENT, want EINVAL/);
  });

  it("checkLayer catches a failing operation that changes the tree", () => {
    const inner = fixture();
    expectProblem(proxy(inner, {
      mkdir: (p, a) => {
        if (inner.stat(p) !== undefined) {
          try {
            inner.createFile(p + "-junk", { mode: 0o644 });
          } catch { /* already there */ }
        }
        inner.mkdir(p, a);
      },
    }), /mkdir over a file changed the tree although it failed/);
  });

  it("checkLayer catches truncate that does not zero-fill when growing", () => {
    const inner = fixture();
    const dirty = (f: WritableLayerFile): WritableLayerFile => ({
      read: (i, p) => f.read(i, p),
      write: (d, p) => f.write(d, p),
      stat: () => f.stat(),
      close: () => f.close(),
      sync: () => f.sync(),
      truncate: (n) => {
        const old = f.stat().size;
        f.truncate(n);
        if (n > old) f.write(new Uint8Array(n - old).fill(0xee), old);
      },
    });
    expectProblem(proxy(inner, { openWrite: (p) => dirty(inner.openWrite(p)) }), /truncate grow: content differs/);
  });

  it("checkLayer catches copy-up that drops the source's times", () => {
    const inner = fixture();
    expectProblem(proxy(inner, {
      createFileFrom: (p, s, a) => inner.createFileFrom(p, s, { mode: a.mode }),
    }), /copy-up did not keep mtime/);
  });

  it("checkLayer catches copy-up that shows source bytes again after shrink and grow", () => {
    const inner = fixture();
    // A naive lazy copy-up: remember the source and keep reading it below its size.
    const sources = new Map<string, LayerFile>();
    const leaky = (p: string, f: WritableLayerFile): WritableLayerFile => ({
      read: (into, pos) => {
        const n = f.read(into, pos);
        const s = sources.get(p);
        if (s) {
          const tmp = new Uint8Array(n);
          const m = s.read(tmp, pos);
          for (let i = 0; i < m; i++) if (into[i] === 0) into[i] = tmp[i]!;
        }
        return n;
      },
      write: (d, pos) => f.write(d, pos),
      stat: () => f.stat(),
      close: () => f.close(),
      sync: () => f.sync(),
      truncate: (n) => f.truncate(n),
    });
    expectProblem(proxy(inner, {
      createFileFrom: (p, s, a) => {
        sources.set(p, s);
        inner.createFileFrom(p, s, a);
      },
      open: (p) => leaky(p, inner.openWrite(p)),
    }), /truncate of a copied-up file \(shrink then grow\)/);
  });

  it("checkLayer catches copy-up that keeps (reads) its source handle instead of a contentSource", () => {
    const inner = fixture();
    expectProblem(proxy(inner, {
      // The pre-issue-11 bug: the handle itself kept as the lazy source, so it can never be closed.
      createFileFrom: (p, s, a) => inner.createFileFrom(p, { read: (b, at) => s.read(b, at), stat: () => s.stat(), close: () => {}, contentSource: () => s }, a),
    }), /copy read after its source was closed \(a layer must not keep the handle\)/);
  });

  it("checkLayer catches copy-up that closes the caller's source", () => {
    const inner = fixture();
    expectProblem(proxy(inner, {
      createFileFrom: (p, s, a) => {
        inner.createFileFrom(p, s, a);
        s.close();
      },
    }), /createFileFrom closed its source/);
  });

  it("checkLayer catches hard links that do not share the object", () => {
    const inner = fixture();
    expectProblem(proxy(inner, {
      link: (a, b) => {
        const f = inner.open(a);
        inner.createFileFrom(b, f, { mode: inner.stat(a)!.mode });
      },
    }), /hard link has id/);
  });

  it("checkLayer catches parent directory mtimes that never move", () => {
    const inner = fixture();
    const pinned = new Map<string, bigint>();
    expectProblem(proxy(inner, {
      setattr: (p, a) => {
        if (a.mtimeNs !== undefined) pinned.set(p, a.mtimeNs);
        inner.setattr(p, a);
      },
      stat: (p): EntryStat | undefined => {
        const st = inner.stat(p);
        return st && st.type === "dir" && pinned.has(p) ? { ...st, mtimeNs: pinned.get(p)! } : st;
      },
    }), /parent mtime unchanged after createFile/);
  });

  it("checkLayer catches handles that die when their file is unlinked", () => {
    const inner = fixture();
    // A layer whose handles are bound to the file's id and die when any name of it is unlinked.
    const open = new Map<number, Set<{ dead: boolean }>>();
    const track = (p: string, f: WritableLayerFile): WritableLayerFile => {
      const h = { dead: false };
      const id = f.stat().id;
      if (!open.has(id)) open.set(id, new Set());
      open.get(id)!.add(h);
      const live = <T>(fn: () => T): T => {
        if (h.dead) throw new FsError(Errno.BADF, "io", p);
        return fn();
      };
      return {
        read: (i, pos) => live(() => f.read(i, pos)),
        write: (d, pos) => live(() => f.write(d, pos)),
        stat: () => live(() => f.stat()),
        close: () => f.close(),
        sync: () => f.sync(),
        truncate: (n) => live(() => f.truncate(n)),
      };
    };
    expectProblem(proxy(inner, {
      openWrite: (p) => track(p, inner.openWrite(p)),
      unlink: (p) => {
        for (const h of open.get(inner.stat(p)?.id ?? 0) ?? []) h.dead = true;
        inner.unlink(p);
      },
    }), /handles: unexpected EBADF/);
  });

  it("checkLayer catches setattr that ignores the mode", () => {
    const inner = fixture();
    expectProblem(proxy(inner, {
      setattr: (p, a) => inner.setattr(p, { ...a, mode: undefined }),
    }), /mode after setattr 0o644, want 0o600/);
  });

  it("checkLayer catches removeTree that also removes hard links outside the tree", () => {
    const inner = fixture();
    expectProblem(proxy(inner, {
      removeTree: (p) => {
        inner.removeTree(p);
        if (p.endsWith("/tree")) inner.unlink(p.replace(/tree$/, "outside"));
      },
    }), /removeTree removed a hard link outside the tree/);
  });

  it("checkLayer leaves a conforming writable layer as it found it (apart from root times)", () => {
    const layer = fixture();
    const before = layer.readdir("").sort();
    checkLayer(layer);
    expect(layer.readdir("").sort()).toEqual(before);
    expect(layer.stat("dir/file")!.nlink).toBe(2);
  });

  it("checkLayer refuses to run the mutation suite over an existing scratch directory", () => {
    const layer = fixture();
    layer.mkdir(".check-layer-scratch", { mode: 0o755 });
    expect(layerProblems(layer).join("\n")).toMatch(/scratch directory already exists/);
    expect(layerProblems(layer, { scratch: "other-scratch" })).toEqual([]);
  });
});

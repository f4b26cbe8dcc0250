// Scenarios for the kernel differential tests, drawn from SEMANTICS.md (rule numbers in
// the names). Lowers are MemoryLayer.from specs, bottom first; steps are the DSL of
// dsl.ts. The kernel's result is the expectation: nothing here states expected output.
import type { Scenario } from "./dsl.ts";

export const scenarios: Scenario[] = [
  // ---- lookup (rules 1-3) ----
  {
    name: "directories merge across three layers and the topmost file wins (rule 1)",
    lowers: [
      { "a/x": "1", "a/y": "2", b: "b0", "c/": {} },
      { "a/y": "2 from L1", "a/z": "3", "c/in": "c" },
      { "a/w": "4", b: "b from L2" },
    ],
    steps: [],
  },
  {
    name: "a directory's attributes come from its topmost copy (rule 2)",
    lowers: [
      { "d/": { dir: true, mode: 0o700, uid: 7, gid: 8 }, "d/a": "1" },
      { "d/": { dir: true, mode: 0o750, uid: 9, gid: 10 }, "d/b": "2" },
    ],
    steps: [],
  },
  {
    name: "whiteouts in a lower hide files and whole directories below (rule 1)",
    lowers: [
      { f: "x", keep: "k", "d/a": "1", "d/b": "2", "gone/deep/file": "g" },
      { ".wh.f": "", "d/.wh.a": "", ".wh.gone": "" },
    ],
    steps: [],
  },
  {
    name: "an opaque directory in a lower hides the children below it (rule 1)",
    lowers: [
      { "d/a": "1", "d/sub/b": "2", "e/x": "x" },
      { "d/.wh..wh..opq": "", "d/c": "c", "e/y": "y" },
    ],
    steps: [],
  },
  {
    name: "a root-level opaque marker hides every layer below it",
    lowers: [
      { a: "1", "d/x": "x" },
      { ".wh..wh..opq": "", b: "2", "d/y": "y" },
      { c: "3" },
    ],
    steps: [],
  },
  // A root-level opaque marker is where the kernel and OCI disagree: the kernel side
  // mounts only the layers from the topmost marker up (harness.ts kernelBottom), layerfs
  // gets the whole stack, and both must agree on what is (not) there.
  {
    name: "names only a layer below a root-level opaque marker holds do not exist for any operation",
    lowers: [
      { a: "hidden", "d/x": "hidden x", "e/y": "hidden y", h: "h" },
      { ".wh..wh..opq": "", "d/z": "z", f: "f", ".wh.h": "" },
      { g: "g" },
    ],
    steps: [
      { op: "read", path: "a" }, { op: "rm", path: "d/x" }, { op: "rmdir", path: "e" },
      { op: "chmod", path: "e/y", mode: 0o600 }, { op: "link", from: "a", to: "a2" },
      { op: "mv", from: "e", to: "e2", raw: true }, { op: "rm", path: "h" },
      { op: "mkdir", path: "e" }, { op: "write", path: "a", data: "new a" }, { op: "write", path: "d/x", data: "new x" },
      { op: "append", path: "d/z", data: "+" }, { op: "rm", path: "f" }, { op: "link", from: "g", to: "g2" },
    ],
  },
  {
    name: "two root-level opaque markers: the topmost hides the other with everything below it",
    lowers: [
      { a: "0", "d/a": "0" },
      { ".wh..wh..opq": "", b: "1", "d/b": "1" },
      { ".wh..wh..opq": "", c: "2", "d/c": "2", ".wh.b": "" },
      { e: "3", "d/e": "3" },
    ],
    steps: [{ op: "rm", path: "c" }, { op: "write", path: "b", data: "b" }, { op: "rmr", path: "d" }, { op: "mkdir", path: "d" }],
  },
  {
    name: "a root-level opaque marker in the bottom layer hides nothing",
    lowers: [{ ".wh..wh..opq": "", a: "1", "d/x": "x" }, { b: "2" }],
    steps: [{ op: "rm", path: "a" }, { op: "chmod", path: "d", mode: 0o700 }],
  },
  {
    name: "a deep rename above a root-level opaque marker moves only the visible subtree (rule 11, redirect_dir=on)",
    lowers: [
      { "d/hidden": "h", "d/sub/x": "x", "other/q": "q" },
      { ".wh..wh..opq": "", "d/vis": "v", "d/sub/y": "y", "other/": {} },
    ],
    steps: [{ op: "mv", from: "d", to: "e" }, { op: "mv", from: "e/sub", to: "other/sub" }, { op: "rmdir", path: "other/sub" }],
    redirectDir: true,
  },
  {
    name: "a whiteout and a file of the same name in one layer: the file survives (rule 3)",
    lowers: [{ f: "old", g: "g" }, { ".wh.f": "", f: "new" }],
    steps: [],
  },
  {
    name: "a whiteout and a directory of the same name in one layer: only that layer's children show (rule 3)",
    lowers: [{ "d/old": "o", "d/both": "L0" }, { ".wh.d": "", "d/new": "n", "d/both": "L1" }],
    steps: [],
  },
  {
    name: "aufs internal .wh..wh. entries in a lower are ignored (rule 3)",
    lowers: [{ a: "1" }, { ".wh..wh.aufs": "", ".wh..wh.plnk/": {}, b: "2" }],
    steps: [],
  },
  {
    name: "files and directories replace each other across layers (rule 1)",
    lowers: [
      { x: "a file", "y/a": "1", "z/q": "q" },
      { "x/inner": "now a dir", y: "now a file" },
      { z: { symlink: "x" } },
    ],
    steps: [],
  },
  {
    name: "a whiteout name cannot be looked up through the union (rule 4)",
    lowers: [{ f: "x" }, { ".wh.f": "" }],
    steps: [{ op: "read", path: ".wh.f" }, { op: "read", path: "f" }],
  },
  {
    name: "deep trees merge at every level and take new files at depth",
    lowers: [
      { "a/b/c/d/e/f1": "1", "a/b/c/s": "s" },
      { "a/b/c/d/e/f2": "2", "a/b/x": "x" },
      { "a/b/c/d/e/.wh.f1": "", "a/b/c/y": "y" },
    ],
    steps: [{ op: "write", path: "a/b/c/d/e/f3", data: "3" }, { op: "rm", path: "a/b/c/s" }],
  },

  // ---- copy-up triggers (rule 8) ----
  {
    name: "writing a lower file copies it up keeping mode and owner (rule 8)",
    lowers: [{ "d/f": { file: "old content", mode: 0o640, uid: 1000, gid: 1001 }, "d/other": "o" }],
    steps: [{ op: "write", path: "d/f", data: "new" }],
  },
  {
    name: "appending to a lower file copies up its data first (rule 8)",
    lowers: [{ "bin/tool": { file: "#!/bin/sh\necho tool\n", mode: 0o755 } }],
    steps: [{ op: "append", path: "bin/tool", data: "echo more\n" }],
  },
  {
    name: "truncating a lower file copies it up, shorter and longer (rule 8)",
    lowers: [{ short: "0123456789", long: "abc" }],
    steps: [{ op: "truncate", path: "short", size: 4 }, { op: "truncate", path: "long", size: 10 }],
  },
  {
    name: "chmod of a lower file and of a lower directory copies up (rule 8)",
    lowers: [{ "d/f": "x", "e/g": "g" }],
    steps: [{ op: "chmod", path: "d/f", mode: 0o600 }, { op: "chmod", path: "e", mode: 0o700 }],
  },
  {
    name: "chown of a lower file copies it up (rule 8)",
    lowers: [{ "d/f": "x" }],
    steps: [{ op: "chown", path: "d/f", uid: 123, gid: 456 }],
  },
  {
    name: "set-times on a lower file and directory copies up and keeps the new times (rules 8, 17)",
    lowers: [{ "d/f": "x", "e/g": "g" }],
    steps: [{ op: "touch", path: "d/f", time: 1234567 }, { op: "touch", path: "e", time: 2000000 }],
  },
  {
    name: "opening a lower file for writing copies it up even when nothing is written (rule 8)",
    lowers: [{ "d/f": { file: "data", mode: 0o600 } }],
    steps: [{ op: "openw", path: "d/f" }],
  },
  {
    name: "reading a lower file never copies up (rule 8)",
    lowers: [{ "d/f": "data", g: "g" }],
    steps: [{ op: "read", path: "d/f" }, { op: "read", path: "g" }],
  },
  {
    name: "a descriptor opened read-only before a copy-up reads the copied-up data (rule 9)",
    lowers: [{ "d/f": "lower data;" }],
    steps: [{ op: "readAcrossCopyUp", path: "d/f", data: " appended" }],
  },
  {
    name: "copy-up creates the parent chain with the parents' attributes (rule 8)",
    lowers: [{
      "a/": { dir: true, mode: 0o750, uid: 5, gid: 6 },
      "a/b/": { dir: true, mode: 0o700 },
      "a/b/f": "x",
      "a/sibling": "s",
    }],
    steps: [{ op: "append", path: "a/b/f", data: "y" }],
  },
  {
    name: "link() to a lower file copies it up and links in the upper (rules 8, 13)",
    lowers: [{ "d/f": "x" }],
    steps: [{ op: "link", from: "d/f", to: "d/g" }, { op: "link", from: "d/f", to: "top" }],
  },

  // ---- unlink, rmdir, mkdir (rules 5-7) ----
  {
    name: "unlinking an upper-only file leaves no whiteout (rule 5)",
    lowers: [{ "d/a": "1" }],
    steps: [{ op: "write", path: "d/n", data: "new" }, { op: "write", path: "n", data: "n" }, { op: "rm", path: "d/n" }, { op: "rm", path: "n" }],
  },
  {
    name: "unlinking a lower file leaves a whiteout (rule 5)",
    lowers: [{ "d/a": "1", "d/b": "2" }, { "d/c": "3", top: "t" }],
    steps: [{ op: "rm", path: "d/a" }, { op: "rm", path: "d/c" }, { op: "rm", path: "top" }],
  },
  {
    name: "unlinking a copied-up file leaves a whiteout, and recreating it removes the whiteout (rule 5)",
    lowers: [{ f: "lower", g: "g" }],
    steps: [
      { op: "append", path: "f", data: "+" }, { op: "rm", path: "f" },
      { op: "rm", path: "g" }, { op: "write", path: "g", data: "recreated" },
    ],
  },
  {
    name: "rmdir of a merged directory emptied by unlinks collapses to one whiteout (rule 6)",
    lowers: [{ "d/a": "1" }, { "d/b": "2" }],
    steps: [{ op: "rm", path: "d/a" }, { op: "rm", path: "d/b" }, { op: "rmdir", path: "d" }],
  },
  {
    name: "rmdir of a directory that is empty only in the merged view succeeds (rule 6)",
    lowers: [{ "d/a": "1", "e/x": "x" }, { "d/.wh.a": "", "e/.wh..wh..opq": "" }],
    steps: [{ op: "rmdir", path: "d" }, { op: "rmdir", path: "e" }],
  },
  {
    name: "rmdir of a non-empty merged directory fails with ENOTEMPTY and changes nothing (rule 6)",
    lowers: [{ "d/a": "1" }, { "e/": {} }],
    steps: [{ op: "rmdir", path: "d" }, { op: "write", path: "e/n", data: "n" }, { op: "rmdir", path: "e" }],
  },
  {
    name: "rm -r of a merged tree leaves one whiteout (rules 5, 6)",
    lowers: [{ "d/a": "1", "d/s/b": "2", "d/s/t/c": "3" }, { "d/c": "c", "d/s/u": "u" }],
    steps: [{ op: "rmr", path: "d" }],
  },
  {
    name: "mkdir over a whited-out directory makes an opaque directory (rule 7)",
    lowers: [{ "d/a": "1", "d/s/b": "2" }],
    steps: [{ op: "rmr", path: "d" }, { op: "mkdir", path: "d" }, { op: "write", path: "d/n", data: "n" }],
  },
  {
    name: "mkdir over a whited-out file makes an opaque directory (rule 7)",
    lowers: [{ x: "a file" }],
    steps: [{ op: "rm", path: "x" }, { op: "mkdir", path: "x" }],
  },
  {
    name: "mkdir of a name that never existed makes a plain directory (rule 7)",
    lowers: [{ "p/a": "1" }],
    steps: [{ op: "mkdir", path: "new" }, { op: "mkdir", path: "new/sub", mode: 0o700 }, { op: "mkdir", path: "p/q" }],
  },
  {
    name: "mkdir over a whiteout stored in a lower makes a plain directory: the lower whiteout already hides the name (rule 7)",
    lowers: [{ "d/a": "1" }, { ".wh.d": "" }],
    steps: [{ op: "mkdir", path: "d" }],
  },

  // ---- rename (rules 10-12) ----
  {
    name: "renaming a lower file within a directory leaves a whiteout (rule 10)",
    lowers: [{ "d/a": { file: "1", mode: 0o600 } }],
    steps: [{ op: "mv", from: "d/a", to: "d/b" }],
  },
  {
    name: "renaming a lower file across directories leaves a whiteout (rule 10)",
    lowers: [{ "d/a": "1", "e/": {} }],
    steps: [{ op: "mv", from: "d/a", to: "e/a" }, { op: "mv", from: "e/a", to: "top" }],
  },
  {
    name: "renaming over an existing lower file replaces it (rule 10)",
    lowers: [{ a: "1", b: "2", "d/c": "3" }],
    steps: [{ op: "mv", from: "a", to: "b" }, { op: "write", path: "n", data: "new" }, { op: "mv", from: "n", to: "d/c" }],
  },
  {
    name: "renaming a file onto a whited-out name (rule 10)",
    lowers: [{ a: "1", b: "2" }],
    steps: [{ op: "rm", path: "b" }, { op: "mv", from: "a", to: "b" }],
  },
  {
    name: "renaming a directory with lower content is a deep rename (rule 11, redirect_dir=on)",
    lowers: [{ "d/a": "1", "d/s/b": "2", "d/l": { symlink: "a" } }, { "d/c": "3", "d/.wh.x": "" }],
    steps: [{ op: "mv", from: "d", to: "e" }],
    redirectDir: true,
  },
  {
    name: "renaming a merged directory after changes inside it carries them (rule 11, redirect_dir=on)",
    lowers: [{ "d/a": "1", "d/b": "2", "d/s/c": "3", "p/": {} }],
    steps: [
      { op: "rm", path: "d/a" }, { op: "write", path: "d/n", data: "n" }, { op: "append", path: "d/b", data: "+" },
      { op: "mv", from: "d", to: "p/moved" },
    ],
    redirectDir: true,
  },
  {
    name: "renaming a lower directory over an empty lower directory (rule 11, redirect_dir=on)",
    lowers: [{ "d/a": "1", "e/": {} }],
    steps: [{ op: "mv", from: "d", to: "e" }],
    redirectDir: true,
  },
  {
    name: "renaming a directory over a non-empty directory fails with ENOTEMPTY (rule 11, redirect_dir=on)",
    lowers: [{ "d/a": "1", "e/b": "2" }],
    steps: [{ op: "mv", from: "d", to: "e" }],
    redirectDir: true,
  },
  {
    name: "strict mode: renaming a directory with lower content fails with EXDEV (rule 11)",
    lowers: [{ "d/a": "1" }],
    steps: [{ op: "mv", from: "d", to: "e", raw: true }, { op: "mkdir", path: "u" }, { op: "mv", from: "u", to: "v", raw: true }],
    unionOptions: { renameDir: "exdev" },
  },
  {
    name: "a pure-upper directory moved into a merged parent becomes opaque (rule 12)",
    lowers: [{ "p/x": "1" }],
    steps: [{ op: "mkdir", path: "q" }, { op: "write", path: "q/f", data: "f" }, { op: "mv", from: "q", to: "p/q" }],
  },
  {
    name: "a pure-upper directory moved onto a whited-out name becomes opaque (rule 12)",
    lowers: [{ "x/a": "1" }],
    steps: [{ op: "rmr", path: "x" }, { op: "mkdir", path: "y" }, { op: "write", path: "y/f", data: "f" }, { op: "mv", from: "y", to: "x" }],
  },
  {
    name: "a pure-upper directory renamed within the upper-only tree stays plain (rule 12)",
    lowers: [{ a: "1" }],
    steps: [{ op: "mkdir", path: "u" }, { op: "mkdir", path: "u/v" }, { op: "write", path: "u/v/f", data: "f" }, { op: "mv", from: "u/v", to: "u/w" }],
  },

  // ---- hard links and symlinks (rules 13, 14) ----
  {
    name: "hard links in a lower share one identity (rule 13)",
    lowers: [{ h1: "hl", h2: { link: "h1" }, "d/h3": { link: "h1" }, other: "o" }],
    steps: [],
  },
  {
    name: "a deep rename keeps lower hard links inside the moved directory (rules 11, 13, redirect_dir=on)",
    lowers: [{ "d/f": "x", "d/g": { link: "d/f" }, "d/s/h": { link: "d/f" } }],
    steps: [{ op: "mv", from: "d", to: "d2" }],
    redirectDir: true,
  },
  {
    name: "deep renames keep lower hard links between the moved directories (rules 11, 13, redirect_dir=on)",
    lowers: [{ "d/f": "x", "d/g": { link: "d/f" }, "e/h": { link: "d/f" } }],
    steps: [{ op: "mv", from: "d", to: "d2" }, { op: "mv", from: "e", to: "e2" }],
    redirectDir: true,
  },
  {
    name: "writing through one lower hard-link alias copies up that alias only (rule 13)",
    lowers: [{ h1: "hl", h2: { link: "h1" }, h3: { link: "h1" } }],
    steps: [{ op: "append", path: "h1", data: " more" }],
  },
  {
    name: "link() to a lower hard-linked file copies up that alias and links in the upper (rule 13)",
    lowers: [{ h1: "hl", h2: { link: "h1" } }],
    steps: [{ op: "link", from: "h1", to: "h4" }],
  },
  {
    name: "renaming one hard-link alias onto another: lower aliases are separate, upper aliases make it a no-op (rules 10, 13)",
    lowers: [{ h1: "hl", h2: { link: "h1" }, f: "f" }],
    steps: [
      { op: "mv", from: "h1", to: "h2", raw: true },
      { op: "link", from: "f", to: "g" }, { op: "mv", from: "f", to: "g", raw: true },
    ],
  },
  {
    name: "symlinks are copied up verbatim by set-times on the link itself (rule 14)",
    lowers: [{ "d/rel": { symlink: "../t" }, "d/abs": { symlink: "/t" }, "d/dangling": { symlink: "nowhere/x" }, t: "target" }],
    steps: [{ op: "touch", path: "d/rel", time: 5000, noFollow: true }, { op: "touch", path: "d/dangling", time: 6000, noFollow: true }],
  },
  {
    name: "chmod through a relative symlink copies up the target, not the link (rule 14)",
    lowers: [{ "d/l": { symlink: "../t" }, t: "target" }],
    steps: [{ op: "chmod", path: "d/l", mode: 0o600 }, { op: "append", path: "d/l", data: "+" }],
  },
  {
    name: "new symlinks are stored verbatim, also over a whiteout (rule 14)",
    lowers: [{ x: "file" }],
    steps: [
      { op: "symlink", target: "x", path: "l1" }, { op: "symlink", target: "/abs/../target", path: "l2" },
      { op: "rm", path: "x" }, { op: "symlink", target: "l1", path: "x" },
    ],
  },

  // ---- more copy-up, content and names ----
  {
    name: "writes into the middle of a large lower file copy it up with the rest intact (lazy chunked copy-up)",
    lowers: [{
      big: { file: { size: 300_000, fill: new Uint8Array([0x61, 0x62, 0x63, 0x0a]) } },
      zeros: { file: { size: 140_000 } },
    }],
    steps: [
      { op: "pwrite", path: "big", offset: 70_000, data: "MIDDLE" },
      { op: "pwrite", path: "big", offset: 65_534, data: "across a chunk edge" },
      { op: "truncate", path: "zeros", size: 131_073 },
      { op: "append", path: "zeros", data: "tail" },
      { op: "truncate", path: "big", size: 100_000 },
      { op: "truncate", path: "big", size: 200_000 },
    ],
  },
  {
    name: "empty lower files and names with spaces, UTF-8 and backslashes",
    lowers: [{ empty: "", "sp ace/f": "1", "caf\u00e9": "u", "back\\slash": "b" }],
    steps: [
      { op: "append", path: "empty", data: "now full" }, { op: "rm", path: "sp ace/f" },
      { op: "mv", from: "caf\u00e9", to: "na\u00efve" }, { op: "write", path: "\u65e5\u672c", data: "jp" },
    ],
  },
  {
    name: "special mode bits survive copy-up and chmod (rule 8)",
    lowers: [{ "bin/su": { file: "x", mode: 0o4755 }, "tmp/": { dir: true, mode: 0o1777 }, "g/": { dir: true, mode: 0o2775 } }],
    steps: [
      { op: "append", path: "bin/su", data: "y" }, { op: "write", path: "tmp/f", data: "f" },
      { op: "chmod", path: "g", mode: 0o2755 },
    ],
  },
  {
    name: "entries created in a set-group-ID directory take its group, and directories its set-group-ID bit (rule 19)",
    lowers: [{ "g/": { dir: true, mode: 0o2775, gid: 50 }, "g/old": "o" }],
    steps: [{ op: "mkdir", path: "g/sub" }, { op: "write", path: "g/f", data: "f" }, { op: "symlink", target: "f", path: "g/l" }],
  },
  {
    name: "chown of a set-user-ID lower file clears the set-user-ID bit (rule 19)",
    lowers: [{ su: { file: "x", mode: 0o4755 }, sg: { file: "y", mode: 0o2755 } }],
    steps: [{ op: "chown", path: "su", uid: 1, gid: 1 }, { op: "chown", path: "sg", uid: 2, gid: 2 }],
  },
  {
    name: "writing through a directory symlink copies up the real directory (rule 14)",
    lowers: [{ "real/f": "data", "real/g": "g", dl: { symlink: "real" } }],
    steps: [{ op: "append", path: "dl/f", data: "+" }, { op: "write", path: "dl/new", data: "n" }, { op: "rm", path: "dl/g" }],
  },
  {
    name: "a hard link to a lower symlink copies the symlink up and links it (rules 13, 14)",
    lowers: [{ l: { symlink: "target" }, target: "t" }],
    steps: [{ op: "link", from: "l", to: "l2" }],
  },
  {
    name: "unlinking one upper hard-link alias keeps the other (rules 5, 13)",
    lowers: [{ f: "lower" }],
    steps: [{ op: "link", from: "f", to: "g" }, { op: "rm", path: "f" }, { op: "append", path: "g", data: "+" }],
  },
  {
    name: "rm of a lower symlink leaves a whiteout and keeps its target (rules 5, 14)",
    lowers: [{ l: { symlink: "t" }, t: "t", "d/dl": { symlink: "../t" } }],
    steps: [{ op: "rm", path: "l" }, { op: "rm", path: "d/dl" }],
  },
  {
    name: "whiteout, recreate as directory, remove again (rules 5-7)",
    lowers: [{ "d/a": "1", f: "file" }],
    steps: [
      { op: "rmr", path: "d" }, { op: "mkdir", path: "d" }, { op: "rmdir", path: "d" },
      { op: "rm", path: "f" }, { op: "mkdir", path: "f" }, { op: "write", path: "f/x", data: "x" }, { op: "rmr", path: "f" },
    ],
  },
  {
    name: "a directory of the upper that replaced a lower file is removed back to a whiteout (rules 6, 7)",
    lowers: [{ x: "file", "y/a": "1" }],
    steps: [{ op: "rm", path: "x" }, { op: "mkdir", path: "x" }, { op: "rmdir", path: "x" }, { op: "write", path: "x", data: "again" }],
  },
  {
    name: "creating files in a directory that is opaque in a lower (rules 1, 7)",
    lowers: [{ "d/old": "o" }, { "d/.wh..wh..opq": "", "d/mid": "m" }],
    steps: [{ op: "write", path: "d/new", data: "n" }, { op: "rm", path: "d/mid" }, { op: "rmdir", path: "d" }],
  },

  // ---- more renames (rules 10-12) ----
  {
    // No mkdir in redirect_dir=on scenarios: with redirect_dir=on the kernel marks every
    // directory that mkdir creates in a merged parent opaque (an optimisation of that mode);
    // layerfs follows rule 7 (a plain directory), which the redirect_dir=off scenarios check.
    name: "renaming a nested lower directory into another merged directory (rule 11, redirect_dir=on)",
    lowers: [{ "a/b/c/f": "1", "a/b/g": "2", "p/q/": {} }, { "a/b/c/h": "3", "p/r": "r" }],
    steps: [{ op: "mv", from: "a/b/c", to: "p/q/c" }, { op: "write", path: "p/q/c/new", data: "n" }],
    redirectDir: true,
  },
  {
    name: "renaming a lower directory away and back again (rule 11, redirect_dir=on)",
    lowers: [{ "d/a": "1", "d/s/b": "2" }],
    steps: [{ op: "mv", from: "d", to: "e" }, { op: "mv", from: "e", to: "d" }],
    redirectDir: true,
  },
  {
    name: "renaming a lower directory onto a whited-out name (rule 11, redirect_dir=on)",
    lowers: [{ "d/a": "1", "x/old": "o" }],
    steps: [{ op: "rmr", path: "x" }, { op: "mv", from: "d", to: "x" }],
    redirectDir: true,
  },
  {
    name: "renaming an upper file over a lower directory fails with EISDIR, a directory over a file with ENOTDIR (rule 10)",
    lowers: [{ "d/a": "1", f: "f", "e/": {} }],
    steps: [
      { op: "write", path: "n", data: "n" }, { op: "mv", from: "n", to: "d", raw: true },
      { op: "mkdir", path: "u" }, { op: "mv", from: "u", to: "f", raw: true }, { op: "mv", from: "u", to: "e", raw: true },
    ],
  },
  {
    name: "renaming a file to its own name changes nothing (rule 10)",
    lowers: [{ a: "1" }],
    steps: [{ op: "mv", from: "a", to: "a", raw: true }],
  },

  // ---- more errors (rule 19) ----
  {
    name: "writing to a directory gives EISDIR, creating under a file ENOTDIR, hard-linking a directory EPERM (rule 19)",
    lowers: [{ "d/a": "1", f: "f", l: { symlink: "d" } }],
    steps: [
      { op: "write", path: "d", data: "x" }, { op: "mkdir", path: "f/x" }, { op: "link", from: "d", to: "d2" },
      { op: "rmdir", path: "l" }, { op: "mv", from: "f", to: "f/x", raw: true }, { op: "write", path: "l/new", data: "n" },
    ],
  },
  {
    name: "symlink loops give ELOOP (rule 14)",
    lowers: [{ loop: { symlink: "loop" }, a: { symlink: "b" }, b: { symlink: "a" } }],
    steps: [{ op: "read", path: "loop" }, { op: "write", path: "a", data: "x" }, { op: "chmod", path: "b", mode: 0o600 }],
  },
  {
    name: "over-long names give ENAMETOOLONG (rule 19)",
    lowers: [{ d: {} }],
    steps: [{ op: "write", path: "d/" + "n".repeat(256), data: "x" }, { op: "mkdir", path: "m".repeat(300) }],
  },

  {
    name: "inode numbers survive copy-up of files and directories (rule 16)",
    lowers: [{ "d/f": "x", "d/s/g": "y", h1: "h", h2: { link: "h1" } }],
    steps: [
      { op: "inoAcrossCopyUp", path: "d/f", via: "append" },
      { op: "inoAcrossCopyUp", path: "d/s", via: "chmod" },
      { op: "inoAcrossCopyUp", path: "d", via: "chmod" },
      { op: "inoAcrossCopyUp", path: "h1", via: "chmod" },
    ],
  },
  {
    name: "symlink chains resolve up to the kernel's hop limit and give ELOOP beyond it (rule 14)",
    lowers: [Object.fromEntries([
      ["t", "target"],
      ...Array.from({ length: 42 }, (_, i) => [`l${i}`, { symlink: i === 0 ? "t" : `l${i - 1}` }]),
    ])],
    steps: [
      { op: "read", path: "l38" }, { op: "read", path: "l39" }, { op: "read", path: "l40" }, { op: "read", path: "l41" },
      { op: "append", path: "l39", data: "+" }, { op: "append", path: "l40", data: "+" },
    ],
  },
  {
    name: "paths with trailing slashes, dot and dot-dot components behave as on Linux (rule 19)",
    lowers: [{ f: "file", "d/a": "1", l: { symlink: "d" } }],
    runner: "syscalls",
    steps: [
      { op: "read", path: "f/" }, { op: "read", path: "d/./a" }, { op: "read", path: "d/../f" }, { op: "read", path: "./f" },
      { op: "mkdir", path: "n/" }, { op: "rmdir", path: "n/" }, { op: "mv", from: "f/", to: "g" },
      { op: "rm", path: "l/" }, { op: "write", path: "l/./b", data: "b" }, { op: "rmdir", path: "d/." },
      { op: "mv", from: "d/a", to: "d/../moved" }, { op: "mkdir", path: "d/../e" },
    ],
  },

  // ---- errors (rule 19) ----
  {
    name: "failing operations give the kernel's errno and change nothing (rule 19)",
    lowers: [{ "d/a": "1", f: "file", "e/": {} }],
    steps: [
      { op: "rmdir", path: "f" },
      { op: "rm", path: "d" },
      { op: "mkdir", path: "d" },
      { op: "mkdir", path: "missing/sub" },
      { op: "rm", path: "missing" },
      { op: "link", from: "f", to: "d/a" },
      { op: "symlink", target: "x", path: "f" },
      { op: "write", path: "f/x", data: "x" },
      { op: "mv", from: "missing", to: "e/m" },
      { op: "mv", from: "d", to: "d/inside", raw: true },
      { op: "mv", from: "f", to: "e", raw: true },
      { op: "mv", from: "e", to: "f", raw: true },
    ],
  },
  {
    name: "operations on whited-out names fail with ENOENT (rules 1, 5)",
    lowers: [{ "d/a": "1", f: "x" }, { "d/.wh.a": "", ".wh.f": "" }],
    steps: [
      { op: "read", path: "d/a" }, { op: "rm", path: "f" }, { op: "chmod", path: "f", mode: 0o600 },
      { op: "link", from: "d/a", to: "d/b" }, { op: "mv", from: "f", to: "g" },
    ],
  },
];

/** `.wh.` names: the kernel accepts them (the oracle flags the upper as unrepresentable, exit 3), layerfs refuses with EPERM (rule 4). */
export const reservedNameScenarios: Scenario[] = [
  {
    name: "creating, linking, renaming to or making a directory named .wh.* (rule 4)",
    lowers: [{ f: "x", "d/": {} }],
    steps: [
      { op: "write", path: ".wh.new", data: "x" },
      { op: "mkdir", path: "d/.wh.dir" },
      { op: "link", from: "f", to: ".wh.f" },
      { op: "symlink", target: "f", path: ".wh.sym" },
      { op: "mv", from: "f", to: "d/.wh.g" },
    ],
  },
];

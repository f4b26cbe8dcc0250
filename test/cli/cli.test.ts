// The layerfs CLI run in-process (main() with captured stdio): every command and flag,
// help, usage errors, runtime errors, and what `run --upper` leaves on disk.
import { existsSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { VERSION } from "../../src/cli/version.ts";
import { DEMO_DIR, DEMO_WASM, demoCopy, readTree, removeDir, ROOT, runCli, tempDir, writeTree } from "./helpers.ts";

const PROBE = join(ROOT, "test/cli/fixtures/probe.wasm");
const cleanups: string[] = [];
afterEach(() => {
  for (const dir of cleanups.splice(0)) removeDir(dir);
});

function demo() {
  const d = demoCopy();
  cleanups.push(d.dir);
  return d;
}

function temp() {
  const d = tempDir();
  cleanups.push(d);
  return d;
}

/** A usage or runtime error: exactly one `layerfs: ` line on stderr, nothing on stdout, no stack trace. */
function expectOneLineError(r: { status: number; stdout: string; stderr: string }, status: number, pattern: RegExp) {
  expect(r.status).toBe(status);
  expect(r.stdout).toBe("");
  expect(r.stderr.split("\n")).toHaveLength(2);
  expect(r.stderr).toMatch(/^layerfs: /);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe("layerfs (top level)", () => {
  it("prints the command overview for --help and -h", async () => {
    for (const flag of ["--help", "-h"]) {
      const r = await runCli([flag]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^layerfs: /);
      for (const cmd of ["run", "diff", "ls", "cat", "tree"]) expect(r.stdout).toMatch(new RegExp(`^  ${cmd} `, "m"));
    }
  });

  it("prints the version for --version and -V, equal to package.json's", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(VERSION).toBe(pkg.version);
    for (const flag of ["--version", "-V"]) {
      const r = await runCli([flag]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^layerfs ${VERSION.replaceAll(".", "\\.")} \\(node `));
    }
  });

  it("shows each command's help for `help CMD` and `CMD --help`", async () => {
    for (const cmd of ["run", "diff", "ls", "cat", "tree"]) {
      const a = await runCli(["help", cmd]);
      const b = await runCli([cmd, "--help"]);
      const c = await runCli([cmd, "-h"]);
      expect(a.status).toBe(0);
      expect(a.stdout).toMatch(new RegExp(`^Usage: layerfs ${cmd} `));
      expect(b).toEqual(a);
      expect(c).toEqual(a);
    }
  });

  it("fails with status 2 and one line without a command", async () => {
    expectOneLineError(await runCli([]), 2, /missing command \(see 'layerfs --help'\)/);
  });

  it("fails with status 2 on an unknown command or option", async () => {
    expectOneLineError(await runCli(["frobnicate"]), 2, /^layerfs: unknown command 'frobnicate'/);
    expectOneLineError(await runCli(["--frob"]), 2, /^layerfs: unknown option '--frob'/);
  });

  it("does not treat inherited object keys as commands", async () => {
    expectOneLineError(await runCli(["constructor"]), 2, /unknown command 'constructor'/);
    expectOneLineError(await runCli(["toString"]), 2, /unknown command 'toString'/);
  });
});

describe("layerfs ls", () => {
  it("lists the merged root of the demo layers, topmost layer winning", async () => {
    const { aaa, bbb } = demo();
    const r = await runCli(["ls", "--layer", bbb, "--layer", aaa]);
    expect(r).toEqual({ status: 0, stdout: "file1\nfile2\nfile3\n", stderr: "" });
  });

  it("includes the upper layer and hides names it whites out", async () => {
    const { aaa, bbb } = demo();
    writeFileSync(join(aaa, ".wh.file3"), "");
    const r = await runCli(["ls", "--layer", bbb, "--upper", aaa, "/"]);
    expect(r.stdout).toBe("file1\nfile2\n");
  });

  it("-l shows type, mode, links, owner, size, mtime and symlink targets", async () => {
    const dir = writeTree(join(temp(), "l"), { "sub/": null, "x.txt": "hello" });
    symlinkSync("x.txt", join(dir, "link"));
    const r = await runCli(["ls", "--layer", dir, "-l", "/"]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^lrwxrwxrwx +1 +\d+ +\d+ +5 \d{4}-\d\d-\d\d \d\d:\d\d link -> x\.txt$/);
    expect(lines[1]).toMatch(/^drwxr-xr-x +\d+ +\d+ +\d+ +\d+ \d{4}-\d\d-\d\d \d\d:\d\d sub$/);
    expect(lines[2]).toMatch(/^-rw-r--r-- +1 +\d+ +\d+ +5 \d{4}-\d\d-\d\d \d\d:\d\d x\.txt$/);
    expect((await runCli(["ls", "--long", "--layer", dir])).stdout).toBe(r.stdout);
  });

  it("prints a file path itself, and headers for several paths", async () => {
    const dir = writeTree(join(temp(), "l"), { "a/one": "1", "b/two": "2" });
    expect((await runCli(["ls", "--layer", dir, "/a/one"])).stdout).toBe("/a/one\n");
    expect((await runCli(["ls", "--layer", dir, "/a", "b"])).stdout).toBe("/a:\none\n\nb:\ntwo\n");
  });

  it("fails with status 1 and the errno for a missing path", async () => {
    const { aaa } = demo();
    expectOneLineError(await runCli(["ls", "--layer", aaa, "/nope"]), 1, /^layerfs: ls: .*no such file or directory \(ENOENT/);
  });

  it("fails with status 1 when a layer directory is missing or not a directory", async () => {
    const missing = join(temp(), "missing");
    expectOneLineError(await runCli(["ls", "--layer", missing]), 1, /layer '.*missing': no such directory/);
    const file = join(temp(), "f");
    writeFileSync(file, "x");
    expectOneLineError(await runCli(["ls", "--layer", file]), 1, /layer '.*f': not a directory/);
    expectOneLineError(await runCli(["ls", "--upper", missing]), 1, /upper '.*missing': no such directory/);
  });

  it("fails with status 2 on an unknown option or a missing option value", async () => {
    expectOneLineError(await runCli(["ls", "--bogus"]), 2, /^layerfs: ls: unknown option '--bogus' \(see 'layerfs ls --help'\)/);
    expectOneLineError(await runCli(["ls", "--layer"]), 2, /^layerfs: ls: option '--layer <value>' argument missing/i);
  });
});

describe("layerfs cat", () => {
  it("prints merged file contents, the topmost copy winning", async () => {
    const { aaa, bbb } = demo();
    const r = await runCli(["cat", "--layer", bbb, "--upper", aaa, "/file2", "file3"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(aaa, "file2"), "utf8") + readFileSync(join(bbb, "file3"), "utf8"));
  });

  it("follows symlinks inside the union root", async () => {
    const dir = writeTree(join(temp(), "l"), { "etc/motd": "welcome\n" });
    symlinkSync("/etc/motd", join(dir, "motd"));
    expect((await runCli(["cat", "--layer", dir, "/motd"])).stdout).toBe("welcome\n");
  });

  it("fails with status 1 for a whited-out, missing or directory path", async () => {
    const { aaa, bbb } = demo();
    writeFileSync(join(aaa, ".wh.file3"), "");
    expectOneLineError(await runCli(["cat", "--layer", bbb, "--upper", aaa, "/file3"]), 1, /ENOENT/);
    expectOneLineError(await runCli(["cat", "--layer", bbb, "/"]), 1, /EISDIR/);
  });

  it("fails with status 2 without a PATH", async () => {
    expectOneLineError(await runCli(["cat"]), 2, /^layerfs: cat: missing PATH/);
  });
});

describe("layerfs tree", () => {
  it("draws the merged tree with a count of directories and files", async () => {
    const lower = writeTree(join(temp(), "lower"), { "etc/hosts": "h", "etc/passwd": "p", "usr/bin/sh": "s", "gone": "g" });
    const upper = writeTree(join(temp(), "upper"), { "etc/new": "n", ".wh.gone": "" });
    symlinkSync("../usr/bin/sh", join(upper, "etc/shell"));
    const r = await runCli(["tree", "--layer", lower, "--upper", upper]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        "/",
        "├── etc",
        "│   ├── hosts",
        "│   ├── new",
        "│   ├── passwd",
        "│   └── shell -> ../usr/bin/sh",
        "└── usr",
        "    └── bin",
        "        └── sh",
        "",
        "3 directories, 5 files",
        "",
      ].join("\n"),
    );
    expect((await runCli(["tree", "--layer", lower, "--upper", upper, "/usr"])).stdout).toBe(
      "/usr\n└── bin\n    └── sh\n\n1 directory, 1 file\n",
    );
  });

  it("fails with status 2 for more than one PATH and 1 for a missing one", async () => {
    expectOneLineError(await runCli(["tree", "/a", "/b"]), 2, /unexpected argument '\/b'/);
    expectOneLineError(await runCli(["tree", "/a"]), 1, /ENOENT/);
  });
});

describe("layerfs diff", () => {
  it("lists added, changed and deleted paths like docker diff", async () => {
    const lower = writeTree(join(temp(), "lower"), { "etc/hosts": "h", "etc/passwd": "p", "tmp/": null, "old": "o" });
    const upper = writeTree(join(temp(), "upper"), { "etc/hosts": "changed", "tmp/new": "n", ".wh.old": "" });
    const r = await runCli(["diff", "--layer", lower, "--upper", upper]);
    expect(r).toEqual({ status: 0, stdout: "C /etc\nC /etc/hosts\nD /old\nC /tmp\nA /tmp/new\n", stderr: "" });
  });

  it("prints nothing for an empty upper", async () => {
    const { bbb } = demo();
    expect(await runCli(["diff", "--layer", bbb, "--upper", temp()])).toEqual({ status: 0, stdout: "", stderr: "" });
  });

  it("requires --upper (status 2) and rejects extra arguments", async () => {
    expectOneLineError(await runCli(["diff", "--layer", "x"]), 2, /^layerfs: diff: --upper DIR is required/);
    expectOneLineError(await runCli(["diff", "--upper", temp(), "/x"]), 2, /unexpected argument '\/x'/);
  });
});

describe("layerfs run", () => {
  it("runs the demo's steps on --upper: edits, copy-up, then a whiteout, bbb/ untouched", async () => {
    const { aaa, bbb } = demo();
    const bbbBefore = readTree(bbb);
    const layers = ["--layer", bbb, "--upper", aaa, "--"];

    let r = await runCli(["run", ...layers, DEMO_WASM, "edit"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("demo: appended to /file1");
    expect(readFileSync(join(aaa, "file1"), "utf8")).toMatch(/edited by demo\n$/);
    expect(readFileSync(join(aaa, "file2"), "utf8")).toMatch(/edited by demo\n$/);

    r = await runCli(["run", ...layers, DEMO_WASM, "modify"]);
    expect(r.status).toBe(0);
    expect(readFileSync(join(aaa, "file3"), "utf8")).toBe(readFileSync(join(bbb, "file3"), "utf8") + "modified by demo\n");

    r = await runCli(["run", ...layers, DEMO_WASM, "remove"]);
    expect(r.status).toBe(0);
    expect(existsSync(join(aaa, "file3"))).toBe(false);
    expect(readFileSync(join(aaa, ".wh.file3"), "utf8")).toBe("");
    expect(readTree(bbb)).toEqual(bbbBefore);
    expect((await runCli(["ls", "--layer", bbb, "--upper", aaa])).stdout).toBe("file1\nfile2\n");
    // file1 exists only in aaa/ (the upper): added relative to bbb/.
    expect((await runCli(["diff", "--layer", bbb, "--upper", aaa])).stdout).toBe("A /file1\nC /file2\nD /file3\n");
    // The copy-up's staging directory beside the upper is gone once it is empty again.
    expect(existsSync(join(dirname(aaa), `.${basename(aaa)}.layerfs-work`))).toBe(false);
  });

  it("keeps writes in memory without --upper: every host directory stays unchanged", async () => {
    const { aaa, bbb } = demo();
    const before = [readTree(aaa), readTree(bbb)];
    const r = await runCli(["run", "--layer", bbb, "--layer", aaa, "--", DEMO_WASM, "edit", "modify", "remove", "show"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("demo: / holds 2 entries");
    expect(r.stdout).toMatch(/\/file1: file1 in aaa.*\nedited by demo/);
    expect([readTree(aaa), readTree(bbb)]).toEqual(before);
  });

  it("creates a missing --upper directory, and leaves no work directory behind", async () => {
    const { bbb } = demo();
    const parent = join(temp(), "new");
    const upper = join(parent, "upper");
    const r = await runCli(["run", "--layer", bbb, "--upper", upper, DEMO_WASM, "modify", "remove"]);
    expect(r.status).toBe(0);
    expect(readTree(upper)).toEqual({ ".wh.file3": "" });
    expect(readdirSync(parent)).toEqual(["upper"]);
  });

  it("passes the program's exit status through", async () => {
    for (const code of [0, 3, 42]) expect((await runCli(["run", PROBE, "exit", String(code)])).status).toBe(code);
    const { aaa, bbb } = demo();
    const r = await runCli(["run", "--layer", bbb, "--layer", aaa, DEMO_WASM, "remove", "remove"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("demo: cannot remove /file3");
  });

  it("passes arguments after the program (options included) to it, with argv[0] the program", async () => {
    const r = await runCli(["run", "--", PROBE, "args", "-l", "--layer", "x y"]);
    expect(r).toEqual({ status: 0, stdout: "args\n-l\n--layer\nx y\n", stderr: "" });
    const r2 = await runCli(["run", PROBE, "args", "--help"]);
    expect(r2.stdout).toBe("args\n--help\n");
  });

  it("passes stdin, stdout and stderr through", async () => {
    const r = await runCli(["run", PROBE, "stdin"], { stdin: "line one\nline two\n" });
    expect(r).toEqual({ status: 0, stdout: "line one\nline two\n", stderr: "" });
    const e = await runCli(["run", PROBE, "stderr", "to stderr"]);
    expect(e).toEqual({ status: 0, stdout: "", stderr: "to stderr\n" });
  });

  it("gives the program exactly the --env variables (PWD only with --cwd)", async () => {
    expect(await runCli(["run", "--scratch", PROBE, "env"])).toEqual({ status: 0, stdout: "", stderr: "" });
    const r = await runCli(["run", "--scratch", "--env", "A=1", "--env", "B=x=y", "--env", "EMPTY=", PROBE, "env"]);
    expect(r.stdout.split("\n").sort()).toEqual(["", "A=1", "B=x=y", "EMPTY="]);
    expect((await runCli(["run", PROBE, "env"])).stdout).toBe("");
  });

  it("passes --cwd to the program as PWD (wasi-libc programs still start at /)", async () => {
    const dir = writeTree(join(temp(), "l"), { "work/rel.txt": "relative\n" });
    expect((await runCli(["run", "--layer", dir, "--cwd", "/work", PROBE, "env"])).stdout).toBe("PWD=/work\n");
    expect((await runCli(["run", "--layer", dir, "--cwd", "/work", PROBE, "cat", "/work/rel.txt"])).stdout).toBe("relative\n");
    expect((await runCli(["run", "--layer", dir, PROBE, "cwd"])).stdout).toBe("/\n");
    expectOneLineError(await runCli(["run", "--cwd", "/work", PROBE, "env"]), 2, /--cwd needs a root/);
  });

  it("gives no preopen at all without --layer, --upper or --scratch (fd 3 is EBADF), as wasmtime without --dir", async () => {
    expect(await runCli(["run", PROBE, "preopens"])).toEqual({ status: 0, stdout: "fd 3: EBADF\n", stderr: "" });
    expect((await runCli(["run", PROBE, "cat", "/etc/hostname"])).status).toBe(1);
    expect((await runCli(["run", "--scratch", PROBE, "preopens"])).stdout).toBe("fd 3: /\nfd 4: EBADF\n");
    const dir = writeTree(join(temp(), "l"), { "a.txt": "a" });
    expect((await runCli(["run", "--layer", dir, PROBE, "preopens"])).stdout).toBe("fd 3: /\nfd 4: EBADF\n");
    expect((await runCli(["run", "--upper", join(temp(), "up"), PROBE, "preopens"])).stdout).toBe("fd 3: /\nfd 4: EBADF\n");
    // --dir alone: only that directory.
    const host = writeTree(join(temp(), "host"), { "in.txt": "x" });
    expect((await runCli(["run", "--dir", `/mnt=${host}`, PROBE, "preopens"])).stdout).toBe("fd 3: /mnt\nfd 4: EBADF\n");
    expect((await runCli(["run", "--scratch", "--dir", `/mnt=${host}`, PROBE, "preopens"])).stdout)
      .toBe("fd 3: /\nfd 4: /mnt\nfd 5: EBADF\n");
    expectOneLineError(await runCli(["run", "--scratch", "--layer", dir, PROBE, "env"]), 2, /--scratch .* cannot be combined/);
  });

  it("--scratch is an empty writable root, thrown away at exit", async () => {
    const r = await runCli(["run", "--scratch", PROBE, "ops", "mkdir", "/d", "write", "/d/f", "hi"]);
    expect(r).toEqual({ status: 0, stdout: "mkdir /d: ok\nwrite /d/f hi: ok\n", stderr: "" });
    expect((await runCli(["run", "--scratch", PROBE, "ops", "rmdir", "/d"])).stdout).toBe("rmdir /d: No such file or directory\n");
  });

  it("refuses symlinks with an absolute target (EPERM) unless --allow-absolute-symlinks", async () => {
    const lower = writeTree(join(temp(), "l"), { "etc/hostname": "box\n" });
    symlinkSync("/etc/hostname", join(lower, "abs"));
    const upper = join(temp(), "up");
    const r = await runCli(["run", "--layer", lower, "--upper", upper, PROBE, "ops", "symlink", "/etc/hostname", "/mine", "symlink", "etc/hostname", "/rel"]);
    expect(r.stdout).toBe("symlink /etc/hostname /mine: Operation not permitted\nsymlink etc/hostname /rel: ok\n");
    expect(existsSync(join(upper, "mine"))).toBe(false);
    // A layer's own absolute link still resolves inside the union.
    expect((await runCli(["run", "--layer", lower, PROBE, "cat", "/abs"])).stdout).toBe("box\n");
    const allowed = await runCli([
      "run", "--layer", lower, "--upper", upper, "--allow-absolute-symlinks", PROBE, "ops", "symlink", "/etc/hostname", "/mine",
    ]);
    expect(allowed.stdout).toBe("symlink /etc/hostname /mine: ok\n");
    expect(readlinkSync(join(upper, "mine"))).toBe("/etc/hostname");
    expect((await runCli(["run", "--layer", lower, "--upper", upper, PROBE, "cat", "/mine"])).stdout).toBe("box\n");
  });

  it("gives the program extra host directories with --dir GUEST=HOST", async () => {
    const host = writeTree(join(temp(), "host"), { "in.txt": "from the host\n" });
    const r = await runCli(["run", "--dir", `/mnt=${host}`, PROBE, "cat", "/mnt/in.txt"]);
    expect(r).toEqual({ status: 0, stdout: "from the host\n", stderr: "" });
    expect((await runCli(["run", "--dir", `/mnt=${host}`, PROBE, "write", "/mnt/out.txt", "written"])).status).toBe(0);
    expect(readFileSync(join(host, "out.txt"), "utf8")).toBe("written");
  });

  it("fails with status 1 for a missing program, a directory, or a file that is not wasm", async () => {
    const dir = temp();
    expectOneLineError(await runCli(["run", join(dir, "nope.wasm")]), 1, /nope\.wasm: no such file/);
    expectOneLineError(await runCli(["run", dir]), 1, /not a regular file/);
    const text = join(dir, "prog.wasm");
    writeFileSync(text, "#!/bin/sh\necho not wasm\n");
    expectOneLineError(await runCli(["run", text]), 1, /prog\.wasm: not a WebAssembly module/);
    const corrupt = join(dir, "corrupt.wasm");
    writeFileSync(corrupt, new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff, 0xff]));
    expectOneLineError(await runCli(["run", corrupt]), 1, /corrupt\.wasm: invalid WebAssembly module/);
  });

  // The program compiles while the layers open: its error still comes first, and it leaves nothing behind.
  it("reports a program that does not compile before a bad layer, and creates no upper for it", async () => {
    const dir = temp();
    const corrupt = join(dir, "corrupt.wasm");
    writeFileSync(corrupt, new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff, 0xff]));
    expectOneLineError(await runCli(["run", "--layer", join(dir, "nope"), corrupt]), 1, /corrupt\.wasm: invalid WebAssembly module/);
    const lower = writeTree(join(dir, "lower"), { "f.txt": "lower" });
    const before = readTree(dir);
    expectOneLineError(await runCli(["run", "--layer", lower, "--upper", join(dir, "new-upper"), corrupt]), 1, /invalid WebAssembly module/);
    expectOneLineError(await runCli(["run", "--layer", lower, corrupt]), 1, /invalid WebAssembly module/);
    expect(readTree(dir)).toEqual(before);
    // A good program after a bad layer: the layer's error.
    expectOneLineError(await runCli(["run", "--layer", join(dir, "nope"), PROBE, "args"]), 1, /layer .*nope.*: no such directory/);
  });

  it("reports a trapping program or one with unknown imports in one line (status 1)", async () => {
    const dir = temp();
    const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00];
    const name = (s: string) => [s.length, ...s.split("").map((c) => c.charCodeAt(0))];
    // (memory (export "memory") 1) (func (export "_start") unreachable)
    const trap = join(dir, "trap.wasm");
    writeFileSync(trap, new Uint8Array([
      ...header, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01,
      0x07, 0x13, 0x02, ...name("_start"), 0x00, 0x00, ...name("memory"), 0x02, 0x00,
      0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b,
    ]));
    expectOneLineError(await runCli(["run", trap]), 1, /^layerfs: run: .*trap\.wasm: the program trapped: unreachable/);
    // (import "env" "foo" (func))
    const imports = join(dir, "imports.wasm");
    writeFileSync(imports, new Uint8Array([...header, 0x02, 0x0b, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x66, 0x6f, 0x6f, 0x00, 0x00]));
    expectOneLineError(await runCli(["run", imports]), 1, /^layerfs: run: the module cannot be run: unknown import module "env"/);
  });

  it("fails with status 2 for bad arguments", async () => {
    expectOneLineError(await runCli(["run"]), 2, /^layerfs: run: missing PROGRAM\.wasm/);
    expectOneLineError(await runCli(["run", "--layer", "x"]), 2, /missing PROGRAM\.wasm/);
    expectOneLineError(await runCli(["run", "--env", "NOEQUALS", PROBE]), 2, /--env expects NAME=VALUE, got 'NOEQUALS'/);
    expectOneLineError(await runCli(["run", "--dir", "/mnt", PROBE]), 2, /--dir expects NAME=VALUE/);
    expectOneLineError(await runCli(["run", "--cwd", "rel", PROBE]), 2, /--cwd must be an absolute path/);
    expectOneLineError(await runCli(["run", "--dir", "mnt=/tmp", PROBE]), 2, /--dir guest path must be absolute and not \//);
    expectOneLineError(await runCli(["run", "--dir", "/=/tmp", PROBE]), 2, /--dir guest path must be absolute and not \//);
    expectOneLineError(await runCli(["run", "--nope", PROBE]), 2, /unknown option '--nope'/);
  });

  it("refuses an --upper that is, contains or sits inside a --layer (status 1)", async () => {
    const { dir, aaa, bbb } = demo();
    const before = readTree(dir);
    expectOneLineError(await runCli(["run", "--layer", bbb, "--upper", bbb, PROBE, "args"]), 1, /upper '.*bbb' overlaps layer '.*bbb'/);
    expectOneLineError(await runCli(["run", "--layer", aaa, "--upper", join(aaa, "up"), PROBE, "args"]), 1, /overlaps layer/);
    expectOneLineError(await runCli(["diff", "--layer", aaa, "--upper", dir]), 1, /overlaps layer/);
    expect(readTree(dir)).toEqual(before);
  });

  it("fails with status 1 when a --layer or --dir host directory is missing", async () => {
    const missing = join(temp(), "missing");
    expectOneLineError(await runCli(["run", "--layer", missing, PROBE, "args"]), 1, /layer '.*missing': no such directory/);
    expectOneLineError(await runCli(["run", "--dir", `/m=${missing}`, PROBE, "args"]), 1, /--dir '.*missing': no such directory/);
  });
});

it("ships the demo's example layers: bbb/ (file2, file3) under aaa/ (file1, file2)", () => {
  expect(Object.keys(readTree(join(DEMO_DIR, "aaa")))).toEqual(["file1", "file2"]);
  expect(Object.keys(readTree(join(DEMO_DIR, "bbb")))).toEqual(["file2", "file3"]);
});

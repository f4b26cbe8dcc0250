// Containment: host symlinks inside a layer directory are link entries, never followed,
// and no layer path or union path reaches outside the layer directories.
// Runs in Node (node:fs HostFs) and in Deno (Deno HostFs).
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import { thrownErrno } from "../support/index.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import { cleanup, fsForSetup as fs, hostFs, IN_DENO, makeTree, snapshot, tempDir } from "./helpers.ts";

const bases: string[] = [];
afterAll(() => bases.forEach(cleanup));


interface World {
  base: string;
  lower: string;
  upper: string;
  outside: string;
  etcPasswd: string[];
  before: string[];
}

let w: World;

function etcPasswdState(): string[] {
  const st = fs.lstatSync("/etc/passwd", { bigint: true });
  return [String(st.mtimeNs), String(st.ctimeNs), String(st.size), fs.existsSync("/etc/layerfs-pwned") ? "pwned" : "clean"];
}

beforeEach(() => {
  const base = tempDir();
  bases.push(base);
  makeTree(`${base}/outside`, { "secret.txt": "secret", "dir/inner.txt": "inner" });
  makeTree(`${base}/lower`, {
    "etc/hostname": "layer-host\n",
    "to-etc": { symlink: "/etc" },
    "to-passwd": { symlink: "/etc/passwd" },
    "to-outside": { symlink: "../outside" },
    "to-secret": { symlink: "../outside/secret.txt" },
    "d/deep-out": { symlink: "../../outside" },
    "plain.txt": "plain",
  });
  makeTree(`${base}/upper`, {
    "up-etc": { symlink: "/etc" },
    "up-out": { symlink: "../outside" },
    "up-secret": { symlink: "../outside/secret.txt" },
    "mine.txt": "mine",
  });
  w = {
    base,
    lower: `${base}/lower`,
    upper: `${base}/upper`,
    outside: `${base}/outside`,
    etcPasswd: etcPasswdState(),
    before: snapshot(`${base}/outside`),
  };
});

/** Nothing outside the layer directories was read-modified or written. */
function assertOutsideUntouched(): void {
  expect(snapshot(w.outside)).toEqual(w.before);
  expect(etcPasswdState()).toEqual(w.etcPasswd);
}

describe(`DirLayer containment (${IN_DENO ? "Deno" : "Node"} HostFs)`, () => {
  it("reads host symlinks as link entries with their targets verbatim", () => {
    const l = new DirLayer(hostFs(), w.lower);
    expect(l.stat("to-etc")?.type).toBe("symlink");
    expect(l.stat("to-outside")?.type).toBe("symlink");
    expect(l.readlink("to-etc")).toBe("/etc");
    expect(l.readlink("to-outside")).toBe("../outside");
    expect(l.readlink("d/deep-out")).toBe("../../outside");
    expect(l.stat("to-etc")?.size).toBe("/etc".length);
  });

  it("never looks through a symlink component: stat is absent, readdir and open fail with ENOTDIR", () => {
    const l = new DirLayer(hostFs(), w.lower);
    for (const p of ["to-etc/passwd", "to-outside/secret.txt", "d/deep-out/secret.txt", "to-outside/dir/inner.txt"]) {
      expect(l.stat(p), p).toBeUndefined();
      expect(thrownErrno(() => l.open(p)), p).toBe(Errno.NOTDIR);
      expect(thrownErrno(() => l.readlink(p)), p).toBe(Errno.NOTDIR);
    }
    expect(thrownErrno(() => l.readdir("to-etc"))).toBe(Errno.NOTDIR);
    expect(thrownErrno(() => l.readdir("to-outside"))).toBe(Errno.NOTDIR);
    expect(thrownErrno(() => l.readdir("d/deep-out"))).toBe(Errno.NOTDIR);
  });

  it("does not open a symlink's target as the file's content", () => {
    const l = new DirLayer(hostFs(), w.lower);
    expect(thrownErrno(() => l.open("to-secret"))).toBe(Errno.LOOP);
    expect(thrownErrno(() => l.open("to-passwd"))).toBe(Errno.LOOP);
  });

  it("refuses '..', absolute and NUL paths on every operation", () => {
    const l = new DirLayer(hostFs(), w.upper, { writable: true });
    const attr = { mode: 0o644 };
    const bad: [string, number][] = [
      ["..", Errno.NOTCAPABLE], ["../outside/secret.txt", Errno.NOTCAPABLE], ["a/../../outside", Errno.NOTCAPABLE],
      ["/etc/passwd", Errno.NOTCAPABLE], ["mine.txt\0x", Errno.INVAL], ["./mine.txt", Errno.INVAL], ["a//b", Errno.INVAL],
    ];
    for (const [p, errno] of bad) {
      expect(thrownErrno(() => l.stat(p)), p).toBe(errno);
      expect(thrownErrno(() => l.readdir(p)), p).toBe(errno);
      expect(thrownErrno(() => l.open(p)), p).toBe(errno);
      expect(thrownErrno(() => l.readlink(p)), p).toBe(errno);
      expect(thrownErrno(() => l.createFile(p, attr)), p).toBe(errno);
      expect(thrownErrno(() => l.mkdir(p, { mode: 0o755 })), p).toBe(errno);
      expect(thrownErrno(() => l.symlink(p, "x")), p).toBe(errno);
      expect(thrownErrno(() => l.unlink(p)), p).toBe(errno);
      expect(thrownErrno(() => l.rmdir(p)), p).toBe(errno);
      expect(thrownErrno(() => l.removeTree(p)), p).toBe(errno);
      expect(thrownErrno(() => l.rename("mine.txt", p)), p).toBe(errno);
      expect(thrownErrno(() => l.rename(p, "x")), p).toBe(errno);
      expect(thrownErrno(() => l.link("mine.txt", p)), p).toBe(errno);
      expect(thrownErrno(() => l.setattr(p, { mode: 0o777 })), p).toBe(errno);
      expect(thrownErrno(() => l.openWrite(p)), p).toBe(errno);
    }
    expect(fs.readFileSync(`${w.upper}/mine.txt`, "utf8")).toBe("mine");
    assertOutsideUntouched();
  });

  it("writes through a symlinked parent fail with ENOTDIR and change nothing outside", () => {
    const l = new DirLayer(hostFs(), w.upper, { writable: true });
    const attr = { mode: 0o644 };
    const src = new DirLayer(hostFs(), w.lower).open("plain.txt");
    for (const dir of ["up-out", "up-etc"]) {
      expect(thrownErrno(() => l.createFile(`${dir}/layerfs-pwned`, attr))).toBe(Errno.NOTDIR);
      expect(thrownErrno(() => l.createFileFrom(`${dir}/layerfs-pwned`, src, attr))).toBe(Errno.NOTDIR);
      expect(thrownErrno(() => l.mkdir(`${dir}/layerfs-pwned`, { mode: 0o755 }))).toBe(Errno.NOTDIR);
      expect(thrownErrno(() => l.symlink(`${dir}/layerfs-pwned`, "x"))).toBe(Errno.NOTDIR);
      expect(thrownErrno(() => l.link("mine.txt", `${dir}/layerfs-pwned`))).toBe(Errno.NOTDIR);
      expect(thrownErrno(() => l.rename("mine.txt", `${dir}/layerfs-pwned`))).toBe(Errno.NOTDIR);
    }
    src.close();
    expect(thrownErrno(() => l.unlink("up-out/secret.txt"))).toBe(Errno.NOTDIR);
    expect(thrownErrno(() => l.rename("up-out/secret.txt", "stolen"))).toBe(Errno.NOTDIR);
    expect(thrownErrno(() => l.link("up-out/secret.txt", "stolen"))).toBe(Errno.NOTDIR);
    expect(thrownErrno(() => l.openWrite("up-out/secret.txt"))).toBe(Errno.NOTDIR);
    expect(thrownErrno(() => l.setattr("up-out/secret.txt", { mode: 0o777 }))).toBe(Errno.NOTDIR);
    expect(thrownErrno(() => l.rmdir("up-out/dir"))).toBe(Errno.NOTDIR);
    expect(thrownErrno(() => l.removeTree("up-out/dir"))).toBe(Errno.NOTDIR);
    expect(thrownErrno(() => l.removeTree("up-out"))).toBe(Errno.NOTDIR);
    expect(thrownErrno(() => l.rmdir("up-etc"))).toBe(Errno.NOTDIR);
    expect(thrownErrno(() => l.openWrite("up-secret"))).toBe(Errno.LOOP);
    expect(thrownErrno(() => l.readdir("up-etc"))).toBe(Errno.NOTDIR);
    assertOutsideUntouched();
  });

  it("acts on a final symlink itself: setattr, link, rename and unlink never reach the target", () => {
    const l = new DirLayer(hostFs(), w.upper, { writable: true });
    l.setattr("up-secret", { mode: 0o777, atimeNs: 1_500_000_000_000_000_000n, mtimeNs: 1_500_000_000_000_000_000n });
    expect(l.stat("up-secret")?.mtimeNs).toBe(1_500_000_000_000_000_000n);
    l.link("up-secret", "hard-to-link");
    expect(l.stat("hard-to-link")?.type).toBe("symlink");
    expect(l.stat("hard-to-link")?.id).toBe(l.stat("up-secret")?.id);
    l.rename("up-out", "moved-out");
    expect(l.readlink("moved-out")).toBe("../outside");
    l.unlink("moved-out");
    l.unlink("up-etc");
    expect(l.stat("moved-out")).toBeUndefined();
    assertOutsideUntouched();
  });

  it("a union resolves layer symlinks inside its own root and never reads or writes the host's", () => {
    const union = new Union(new Image([new DirLayer(hostFs(), w.lower)]), new DirLayer(hostFs(), w.upper, { writable: true }));
    // /to-etc -> /etc is the union's /etc (the layer's), not the host's.
    expect(union.readFile("/to-etc/hostname", "utf8")).toBe("layer-host\n");
    expect(thrownErrno(() => union.readFile("/to-passwd"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => union.readFile("/to-etc/passwd"))).toBe(Errno.NOENT);
    // ../outside from the root stays at the root: /outside does not exist in the union.
    expect(thrownErrno(() => union.readFile("/to-secret"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => union.readdir("/to-outside"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => union.readdir("/d/deep-out"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => union.readFile("/up-out/secret.txt"))).toBe(Errno.NOENT);
    // Writes through the links land inside the upper layer, or fail.
    union.writeFile("/to-passwd", "pwned");
    union.writeFile("/to-etc/layerfs-pwned", "pwned");
    union.writeFile("/up-etc/layerfs-pwned2", "pwned");
    expect(thrownErrno(() => union.writeFile("/to-secret", "pwned"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => union.writeFile("/to-outside/new.txt", "pwned"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => union.mkdir("/d/deep-out/newdir"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => union.unlink("/up-out/secret.txt"))).toBe(Errno.NOENT);
    expect(thrownErrno(() => union.rename("/up-out/secret.txt", "/stolen"))).toBe(Errno.NOENT);
    union.chmod("/to-etc", 0o700); // follows to the union's /etc (copy-up), not the host's
    expect(thrownErrno(() => union.utimes("/up-secret", 1, 1))).toBe(Errno.NOENT);
    union.lutimes("/up-secret", 1, 1); // the link itself
    expect(fs.lstatSync(`${w.upper}/up-secret`).mtimeMs).toBe(1000);
    expect(fs.readFileSync(`${w.upper}/etc/passwd`, "utf8")).toBe("pwned");
    expect(fs.readFileSync(`${w.upper}/etc/layerfs-pwned`, "utf8")).toBe("pwned");
    expect(fs.readFileSync(`${w.upper}/etc/layerfs-pwned2`, "utf8")).toBe("pwned");
    expect(fs.lstatSync(`${w.upper}/up-etc`).isSymbolicLink()).toBe(true);
    assertOutsideUntouched();
  });

  it("a file the upper made and then saw swapped for a symlink by someone else is never read through", () => {
    const union = new Union(new Image([new DirLayer(hostFs(), w.lower)]), new DirLayer(hostFs(), w.upper, { writable: true }));
    union.writeFile("/made.txt", "made"); // known to the upper as a regular file: reads open it without an lstat
    expect(union.readFile("/made.txt", "utf8")).toBe("made");
    fs.unlinkSync(`${w.upper}/made.txt`);
    fs.symlinkSync(`${w.outside}/secret.txt`, `${w.upper}/made.txt`);
    // The no-follow open refuses the link; the lookup then sees a symlink, followed inside the union (no such target there).
    expect(thrownErrno(() => union.readFile("/made.txt"))).toBe(Errno.NOENT);
    fs.unlinkSync(`${w.upper}/made.txt`);
    fs.symlinkSync("plain.txt", `${w.upper}/made.txt`);
    expect(union.readFile("/made.txt", "utf8")).toBe("plain");
    assertOutsideUntouched();
  });

  it("rejects a work directory inside the layer directory", () => {
    expect(thrownErrno(() => new DirLayer(hostFs(), w.upper, { writable: true, workDir: `${w.upper}/.work` }))).toBe(Errno.INVAL);
    expect(thrownErrno(() => new DirLayer(hostFs(), w.upper, { writable: true, workDir: w.upper }))).toBe(Errno.INVAL);
  });
});

// Bad input: every invalid request gives the right errno and changes nothing.
import { describe, expect, it } from "vitest";
import { Errno, FsError } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { rawLayer } from "./tree.ts";

function setup() {
  const lower = MemoryLayer.from({ "d/f": "1", "d/s/g": "2", file: "3", "empty/": {}, link: { symlink: "d" }, dangling: { symlink: "nowhere" } }, { timeNs: 1n });
  const upper = new MemoryLayer();
  return { u: new Union(new Image([lower]), upper), upper };
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code ?? "non-FsError: " + String(e);
  }
  return "OK";
}

const long = "x".repeat(256);

describe("bad paths", () => {
  const cases: [string, string, string][] = [
    ["empty path", "", "ENOENT"],
    ["NUL in a path", "/d/\0f", "EINVAL"],
    ["a component over 255 bytes", "/" + long, "ENAMETOOLONG"],
    ["a multi-byte component over 255 bytes", "/" + "é".repeat(128), "ENAMETOOLONG"],
    ["a path over 4096 bytes", "/" + "a/".repeat(2049), "ENAMETOOLONG"],
    ["a trailing slash on a file", "/file/", "ENOTDIR"],
    ["a file used as a directory", "/file/x", "ENOTDIR"],
    ["a missing parent", "/nope/x", "ENOENT"],
  ];
  it.each(cases)("%s gives the right errno from every operation and changes nothing", (_what, path, want) => {
    const { u, upper } = setup();
    expect(code(() => u.stat(path))).toBe(want);
    for (const op of [
      () => u.writeFile(path, "x"),
      () => u.mkdir(path),
      () => u.unlink(path),
      () => u.rename(path, "/new"),
      () => u.symlink("t", path),
      () => u.chmod(path, 0o600),
      () => u.truncate(path),
      () => u.utimes(path, 1, 1),
    ]) {
      const c = code(op);
      expect(c).not.toBe("OK");
      expect(c.startsWith("non-FsError")).toBe(false);
    }
    expect(rawLayer(upper)).toEqual([]);
  });

  it("a 255-byte component and a 4096-byte path are accepted", () => {
    const { u } = setup();
    u.writeFile("/" + "x".repeat(255), "ok");
    expect(u.readdir("/")).toContain("x".repeat(255));
    expect(u.stat("/d" + "/.".repeat(2046) + "/f").type).toBe("file");
  });

  it('".." at the root stays at the root and a relative path is taken from "/"', () => {
    const { u } = setup();
    expect(u.realpath("/../../d/../d/./f")).toBe("/d/f");
    expect(u.realpath("d/f")).toBe("/d/f");
    expect(u.readFile("../../file", "utf8")).toBe("3");
  });

  it("a trailing slash requires a directory but follows a symlink to one", () => {
    const { u } = setup();
    expect(u.stat("/link/").type).toBe("dir");
    expect(u.lstat("/link/").type).toBe("dir");
    expect(u.lstat("/link").type).toBe("symlink");
    expect(code(() => u.stat("/dangling/"))).toBe("ENOENT");
    expect(u.readdir("/d/")).toEqual(["f", "s"]);
  });
});

describe("bad operations change nothing", () => {
  const cases: [string, (u: Union) => unknown, string][] = [
    ["writing to a directory", (u) => u.writeFile("/d", "x"), "EISDIR"],
    ["opening a directory for writing", (u) => u.open("/d", { write: true }), "EISDIR"],
    ["truncating a directory", (u) => u.truncate("/d", 0), "EISDIR"],
    ["rmdir of a file", (u) => u.rmdir("/file"), "ENOTDIR"],
    ["rmdir of a non-empty merged directory", (u) => u.rmdir("/d"), "ENOTEMPTY"],
    ["rmdir of the root", (u) => u.rmdir("/"), "EBUSY"],
    ["unlink of a directory", (u) => u.unlink("/d"), "EISDIR"],
    ["rename of a directory into its own subtree", (u) => u.rename("/d", "/d/s/x"), "EINVAL"],
    ["rename of a directory onto a non-empty one", (u) => u.rename("/empty", "/d"), "ENOTEMPTY"],
    ["rename of a directory onto a file", (u) => u.rename("/d", "/file"), "ENOTDIR"],
    ["rename of a file onto a directory", (u) => u.rename("/file", "/empty"), "EISDIR"],
    ["rename of a missing file", (u) => u.rename("/nope", "/x"), "ENOENT"],
    ["rename into a missing directory", (u) => u.rename("/file", "/nope/x"), "ENOENT"],
    ["mkdir of an existing name", (u) => u.mkdir("/file"), "EEXIST"],
    ["mkdir of a dangling symlink", (u) => u.mkdir("/dangling"), "EEXIST"],
    ["mkdir recursive through a file", (u) => u.mkdir("/file/a/b", { recursive: true }), "ENOTDIR"],
    ["mkdir recursive onto a file", (u) => u.mkdir("/d/f", { recursive: true }), "EEXIST"],
    ["link of a directory", (u) => u.link("/d", "/x"), "EPERM"],
    ["link onto an existing name", (u) => u.link("/file", "/d/f"), "EEXIST"],
    ["symlink onto an existing name", (u) => u.symlink("x", "/file"), "EEXIST"],
    ["symlink with an empty target", (u) => u.symlink("", "/x"), "ENOENT"],
    ["readlink of a file", (u) => u.readlink("/file"), "EINVAL"],
    ["readdir of a file", (u) => u.readdir("/file"), "ENOTDIR"],
    ["exclusive create of an existing file", (u) => u.open("/file", { create: true, exclusive: true, write: true }), "EEXIST"],
    ["exclusive create through a symlink", (u) => u.open("/dangling", { create: true, exclusive: true, write: true }), "EEXIST"],
    ["negative truncate", (u) => u.truncate("/file", -1), "EINVAL"],
    ["creating a .wh. name", (u) => u.writeFile("/d/.wh.f", ""), "EPERM"],
    ["utimes with a non-finite time", (u) => u.utimes("/file", NaN, 1), "EINVAL"],
    ["utimes with an invalid Date", (u) => u.utimes("/file", new Date(NaN), 1), "EINVAL"],
  ];
  it.each(cases)("%s", (_what, op, want) => {
    const { u, upper } = setup();
    expect(code(() => op(u))).toBe(want);
    expect(rawLayer(upper)).toEqual([]);
  });

  it("mkdir recursive succeeds over existing directories and creates the rest", () => {
    const { u, upper } = setup();
    u.mkdir("/d/s", { recursive: true });
    expect(rawLayer(upper)).toEqual([]);
    u.mkdir("/d/s/a/b", { recursive: true, mode: 0o700 });
    expect(u.stat("/d/s/a/b").mode).toBe(0o700);
  });

  it("readFile of a file too large for one buffer fails with EFBIG", () => {
    const lower = MemoryLayer.from({ huge: { file: { size: 2 ** 40 } } });
    const u = new Union(new Image([lower]), new MemoryLayer());
    expect(code(() => u.readFile("/huge"))).toBe("EFBIG");
  });

  it("an FsError with an errno outside the WASI set is EIO in both errno and code", () => {
    const e = new FsError(1000, "x");
    expect([e.errno, e.code]).toEqual([Errno.IO, "EIO"]);
  });

  it("a bad option value is rejected", () => {
    expect(code(() => new Union(new Image([]), new MemoryLayer(), { renameDir: "bogus" as "deep" }))).toBe("EINVAL");
  });
});

describe("unions without lower layers", () => {
  it("behave like a plain filesystem", () => {
    const u = new Union(new Image([]), new MemoryLayer());
    u.mkdir("/a");
    u.writeFile("/a/f", "1");
    u.rename("/a", "/b");
    expect(u.readdir("/")).toEqual(["b"]);
    expect(rawLayer(u.upper)).toEqual(["b/", "b/f"]);
    expect(u.changes()).toEqual([{ kind: "A", path: "/b" }, { kind: "A", path: "/b/f" }]);
  });
});

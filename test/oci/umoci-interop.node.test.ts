// Interop with real image tools: an image built with umoci (whiteouts from
// `umoci repack`, a directory removed and recreated, a hand-made layer with a
// file and its whiteout, an opaque directory beside a new file and a whiteout
// that hides nothing) flattens in layerfs to exactly the tree `umoci unpack`
// writes: path, type, mode, owner, size, content, link target. The same after
// `skopeo copy` to a docker-archive, an oci-archive and zstd layers.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { loadImage } from "../../src/host/node.ts";
import { skipReason } from "../support/index.ts";

function have(tool: string): boolean {
  try {
    execFileSync(tool, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const missing = !have("umoci") ? "umoci is not installed" : !have("skopeo") ? "skopeo is not installed" : !have("tar") ? "tar is not installed" : undefined;

const run = (cmd: string, args: string[], cwd?: string): string => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const umoci = (...args: string[]): string => run("umoci", isRoot ? args : ["--rootless", ...args].filter(() => true));

interface Node {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size?: number;
  content?: string;
  target?: string;
}

/** The tree on the host (as `umoci unpack` wrote it). */
function hostTree(root: string): Record<string, Node> {
  const out: Record<string, Node> = {};
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const p = rel === "" ? name : `${rel}/${name}`;
      const st = fs.lstatSync(path.join(root, p));
      const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
      if (st.isDirectory()) {
        out[p] = { type: "dir", ...base };
        walk(p);
      } else if (st.isSymbolicLink()) out[p] = { type: "symlink", ...base, target: fs.readlinkSync(path.join(root, p)) };
      else out[p] = { type: "file", ...base, size: st.size, content: fs.readFileSync(path.join(root, p)).toString("base64") };
    }
  };
  walk("");
  return out;
}

/** The flattened tree layerfs shows. */
function unionTree(u: Union): Record<string, Node> {
  const out: Record<string, Node> = {};
  const walk = (rel: string): void => {
    for (const name of u.readdir("/" + rel).sort()) {
      const p = rel === "" ? name : `${rel}/${name}`;
      const st = u.lstat("/" + p);
      const base = { mode: st.mode, uid: st.uid, gid: st.gid };
      if (st.type === "dir") {
        out[p] = { type: "dir", ...base };
        walk(p);
      } else if (st.type === "symlink") out[p] = { type: "symlink", ...base, target: u.readlink("/" + p) };
      else out[p] = { type: "file", ...base, size: st.size, content: Buffer.from(u.readFile("/" + p)).toString("base64") };
    }
  };
  walk("");
  return out;
}

describe.skipIf(skipReason(missing))("images built with umoci", () => {
  let work = "";
  let expected: Record<string, Node> = {};
  const layout = (): string => `${work}/layout`;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "layerfs-umoci-"));
    const L = layout();
    const B = `${work}/bundle`;
    const R = `${B}/rootfs`;
    umoci("init", "--layout", L);
    umoci("new", "--image", `${L}:t`);
    umoci("unpack", "--image", `${L}:t`, B);
    // Layer 1: a small tree with every entry kind.
    for (const d of ["etc", "dir/sub", "opq", "bin", "private"]) fs.mkdirSync(`${R}/${d}`, { recursive: true });
    fs.writeFileSync(`${R}/etc/a`, "a\n");
    fs.writeFileSync(`${R}/etc/b`, "b\n");
    fs.linkSync(`${R}/etc/b`, `${R}/etc/hard`);
    fs.writeFileSync(`${R}/dir/x`, "x");
    fs.writeFileSync(`${R}/dir/sub/y`, "y".repeat(70_000));
    fs.writeFileSync(`${R}/opq/old`, "old");
    fs.writeFileSync(`${R}/bin/app.wasm`, Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    fs.chmodSync(`${R}/bin/app.wasm`, 0o755);
    fs.writeFileSync(`${R}/empty`, "");
    fs.chmodSync(`${R}/private`, 0o700);
    fs.writeFileSync(`${R}/private/owned`, "o");
    fs.chownSync(`${R}/private/owned`, 1234, 5678);
    fs.symlinkSync("../etc/a", `${R}/dir/link-a`);
    fs.symlinkSync("/nowhere/absolute", `${R}/abs-link`);
    fs.writeFileSync(`${R}/${"long-name-".repeat(12)}`, "long");
    umoci("repack", "--refresh-bundle", "--image", `${L}:t`, B);
    // Layer 2: deletions (whiteouts), a directory removed and recreated, a mode change.
    fs.rmSync(`${R}/etc/a`);
    fs.rmSync(`${R}/dir`, { recursive: true });
    fs.mkdirSync(`${R}/dir`);
    fs.writeFileSync(`${R}/dir/fresh`, "fresh");
    fs.chmodSync(`${R}/etc/b`, 0o600);
    umoci("repack", "--refresh-bundle", "--image", `${L}:t`, B);
    // Layer 3, by hand: a file and its whiteout in one layer, an opaque directory with
    // a new file beside its marker, a whiteout that hides nothing.
    const C = `${work}/crafted`;
    fs.mkdirSync(`${C}/etc`, { recursive: true });
    fs.mkdirSync(`${C}/opq`);
    fs.writeFileSync(`${C}/etc/c`, "c\n");
    fs.writeFileSync(`${C}/etc/.wh.c`, "");
    fs.writeFileSync(`${C}/opq/.wh..wh..opq`, "");
    fs.writeFileSync(`${C}/opq/keep`, "keep");
    fs.writeFileSync(`${C}/.wh.ghost`, "");
    run("tar", ["--format=pax", "--numeric-owner", "-cf", `${work}/l3.tar`, "-C", C, "etc", "opq", ".wh.ghost"]);
    umoci("raw", "add-layer", "--image", `${L}:t`, `${work}/l3.tar`);
    umoci("config", "--image", `${L}:t`, "--config.entrypoint", "/bin/app.wasm");
    umoci("unpack", "--image", `${L}:t`, `${work}/out`);
    expected = hostTree(`${work}/out/rootfs`);
    run("skopeo", ["copy", "-q", `oci:${L}:t`, `docker-archive:${work}/docker.tar:repo/app:t`]);
    run("skopeo", ["copy", "-q", `oci:${L}:t`, `oci-archive:${work}/oci.tar:t`]);
    run("skopeo", ["copy", "-q", "--dest-compress-format", "zstd", `oci:${L}:t`, `oci:${work}/zstd:t`]);
  }, 120_000);

  afterAll(() => {
    if (work !== "") fs.rmSync(work, { recursive: true, force: true });
  });

  it("umoci's unpacked tree has what the layers say (sanity of the fixture)", () => {
    expect(expected["etc/a"]).toBeUndefined();
    expect(expected["dir/x"]).toBeUndefined();
    expect(expected["dir/fresh"]?.content).toBe(Buffer.from("fresh").toString("base64"));
    expect(expected["opq/old"]).toBeUndefined();
    expect(expected["opq/keep"]).toBeDefined();
    expect(expected["etc/b"]?.mode).toBe(0o600);
  });

  const cases: [string, () => [string, string | undefined]][] = [
    ["the OCI layout", () => [layout(), "t"]],
    ["a skopeo docker-archive", () => [`${work}/docker.tar`, "repo/app:t"]],
    ["a skopeo oci-archive", () => [`${work}/oci.tar`, "t"]],
    ["a skopeo copy with zstd layers", () => [`${work}/zstd`, "t"]],
  ];
  for (const [what, where] of cases) {
    it(`flattens ${what} to exactly umoci unpack's tree`, async () => {
      const [p, tag] = where();
      const img = await loadImage(p, { tag, cacheDir: `${work}/cache-${what.replace(/\W/g, "")}` });
      try {
        expect(img.config.entrypoint).toEqual(["/bin/app.wasm"]);
        expect(img.image.layers.length).toBe(3);
        expect(unionTree(new Union(img.image, new MemoryLayer()))).toEqual(expected);
      } finally {
        img.close();
      }
    });
  }

  it("loads the zstd copy's layers with the zstd media type", async () => {
    const img = await loadImage(`${work}/zstd`, { tag: "t", cacheDir: `${work}/cache-z2` });
    expect(img.layers.map((l) => l.mediaType)).toEqual(Array(3).fill("application/vnd.oci.image.layer.v1.tar+zstd"));
    img.close();
  });
});

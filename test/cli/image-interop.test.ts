// OCI images through the CLI against the real tools: an image built with umoci runs its
// wasm entrypoint (probe.wasm, from the image) under `layerfs run --image`, the run's upper
// is committed with `layerfs commit`, and `umoci unpack` of the committed image gives
// exactly the tree layerfs shows (path, type, mode, size, content, link target);
// `skopeo inspect` accepts it. Then the same for docker-archive and oci-archive inputs
// made by `skopeo copy`. Skips (with the reason) where umoci or skopeo is missing.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, linkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { loadImage, parseHostImageRef } from "../../src/host/node.ts";
import { skipReason } from "../support/index.ts";
import { removeDir, ROOT, runCli, tempDir } from "./helpers.ts";

const PROBE = join(ROOT, "test/cli/fixtures/probe.wasm");
const missing = ["umoci", "skopeo"].filter((t) => !existsSync(`/usr/bin/${t}`));
const isRoot = process.getuid?.() === 0;
const why = missing.length > 0 ? `${missing.join(" and ")} not installed (apt-get install ${missing.join(" ")})` : !isRoot ? "umoci unpack needs root to keep owners and modes" : undefined;

function sh(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** A host tree as sorted lines: path, type, mode, size, content or target (the root excluded). */
function hostTree(root: string, rel = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, rel)).sort()) {
    const path = `${rel}/${name}`;
    const st = lstatSync(join(root, path));
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isDirectory()) {
      out.push(`${path} dir ${mode}`);
      out.push(...hostTree(root, path));
    } else if (st.isSymbolicLink()) {
      out.push(`${path} symlink ${readlinkSync(join(root, path))}`);
    } else {
      out.push(`${path} file ${mode} ${st.size} ${readFileSync(join(root, path)).toString("base64")}`);
    }
  }
  return out.sort();
}

/** The same lines for a union's merged tree. */
function unionTree(union: Union, dir = "/"): string[] {
  const out: string[] = [];
  for (const name of union.readdir(dir)) {
    const path = dir === "/" ? `/${name}` : `${dir}/${name}`;
    const st = union.lstat(path);
    const mode = st.mode.toString(8);
    if (st.type === "dir") {
      out.push(`${path} dir ${mode}`);
      out.push(...unionTree(union, path));
    } else if (st.type === "symlink") {
      out.push(`${path} symlink ${union.readlink(path)}`);
    } else {
      out.push(`${path} file ${mode} ${st.size} ${Buffer.from(union.readFile(path)).toString("base64")}`);
    }
  }
  return out.sort();
}

async function layerfsTree(image: string, upper?: string): Promise<string[]> {
  const ref = parseHostImageRef(image)!;
  const loaded = await loadImage(ref.path, { ...(ref.tag !== undefined ? { tag: ref.tag } : {}), cacheDir: join(work, "cache") });
  try {
    const { dirLayer } = await import("../../src/host/node.ts");
    const union = new Union(loaded.image, upper !== undefined ? dirLayer(upper, { writable: true }) : new MemoryLayer());
    try {
      return unionTree(union);
    } finally {
      union.close(); // gives back the upper's lock
    }
  } finally {
    loaded.close();
  }
}

let work = "";

describe.skipIf(skipReason(why))("layerfs run --image / commit with umoci and skopeo", () => {
  beforeAll(() => {
    work = tempDir("layerfs-interop-");
    // Layer 1: the program, files, a hard link, a symlink, directories to whiteout and make opaque.
    sh("umoci", ["init", "--layout", "img"], work);
    sh("umoci", ["new", "--image", "img:v1"], work);
    sh("umoci", ["unpack", "--image", "img:v1", "b1"], work);
    const r = join(work, "b1/rootfs");
    for (const d of ["bin", "etc", "data/sub", "opq/deep", "gone/inner", "app"]) mkdirSync(join(r, d), { recursive: true });
    copyFileSync(PROBE, join(r, "bin/probe.wasm"));
    writeFileSync(join(r, "etc/greeting"), "hello\n");
    linkSync(join(r, "etc/greeting"), join(r, "etc/hard"));
    symlinkSync("../etc/greeting", join(r, "data/link"));
    for (const [p, t] of [["data/old", "old\n"], ["data/append", "a"], ["data/sub/s", "s"], ["opq/o", "o"], ["opq/deep/d", "d"], ["gone/inner/g", "g"], ["app/keep", "k"]]) writeFileSync(join(r, p!), t!);
    sh("umoci", ["repack", "--image", "img:v1", "b1"], work);
    // Layer 2 (umoci repack whiteouts): a file removed, one added (a repack stacks on what the bundle was unpacked from).
    sh("umoci", ["unpack", "--image", "img:v1", "b2"], work);
    const r2 = join(work, "b2/rootfs");
    rmSync(join(r2, "app/keep"));
    writeFileSync(join(r2, "app/added"), "added\n");
    sh("umoci", ["repack", "--image", "img:v1", "b2"], work);
    // Entrypoint + Cmd: the probe runs filesystem operations inside the image.
    const ops = [
      "ops", "write", "/data/new", "fresh", "rm", "/data/old", "append", "/data/append", "+more",
      "rm", "/opq/o", "rm", "/opq/deep/d", "rmdir", "/opq/deep", "rmdir", "/opq", "mkdir", "/opq", "write", "/opq/n", "n",
      "rm", "/gone/inner/g", "rmdir", "/gone/inner", "rmdir", "/gone",
      "symlink", "/etc/greeting", "/data/abs-link", "link", "/data/new", "/data/new-hard", "mkdir", "/data/made",
    ];
    sh("umoci", ["config", "--image", "img:v1", "--config.entrypoint", "/bin/probe.wasm", ...ops.flatMap((o) => ["--config.cmd", o]), "--config.workingdir", "/data", "--config.env", "GREETING=hi"], work);
    sh("skopeo", ["copy", "oci:img:v1", `docker-archive:${join(work, "img-docker.tar")}:test/img:v1`], work);
    sh("skopeo", ["copy", "oci:img:v1", `oci-archive:${join(work, "img-oci.tar")}:v1`], work);
  }, 120_000);
  afterAll(() => removeDir(work));

  const cases: { name: string; image: () => string; out: () => string; inspect: () => string; asOci: () => string | undefined }[] = [
    { name: "OCI layout", image: () => join(work, "img:v1"), out: () => join(work, "out-layout"), inspect: () => `oci:${join(work, "out-layout")}:v2`, asOci: () => undefined },
    { name: "docker archive", image: () => join(work, "img-docker.tar:test/img:v1"), out: () => join(work, "out-docker.tar"), inspect: () => `docker-archive:${join(work, "out-docker.tar")}`, asOci: () => `docker-archive:${join(work, "out-docker.tar")}` },
    { name: "OCI archive", image: () => join(work, "img-oci.tar:v1"), out: () => join(work, "out-oci.tar"), inspect: () => `oci-archive:${join(work, "out-oci.tar")}:v2`, asOci: () => `oci-archive:${join(work, "out-oci.tar")}:v2` },
  ];

  for (const c of cases) {
    it(`${c.name}: runs the entrypoint, commits, and umoci unpacks the commit to layerfs's tree`, async () => {
      const upper = join(work, `upper-${c.out().split("/").pop()}`);
      const cache = ["--cache", join(work, "cache")];
      const run = await runCli(["run", "--allow-absolute-symlinks", "--image", c.image(), "--upper", upper, ...cache]);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(run.stdout).toContain("write /data/new fresh: ok\n");
      expect(run.stdout).toContain("rmdir /opq: ok\nmkdir /opq: ok\n");
      expect(run.stdout).not.toMatch(/: [A-Z][a-z]+.*\n/); // every op said ok

      const imageText = c.image();
      const shown = await runCli(["tree", "--image", imageText, "--upper", upper, ...cache]);
      expect(shown.status).toBe(0);
      const tag = c.name === "docker archive" ? ["--tag", "test/img:v2"] : ["--tag", "v2"];
      const commit = await runCli(["commit", "--image", imageText, "--upper", upper, "-o", c.out(), ...tag, ...cache]);
      expect(commit.stderr).toBe("");
      expect(commit.status).toBe(0);
      expect(commit.stdout).toMatch(/^layer {5}sha256:[0-9a-f]{64} {2}\d+ bytes/m);
      expect(commit.stdout).toMatch(/^config {4}sha256:[0-9a-f]{64}$/m);
      expect(commit.stdout).toMatch(/^manifest {2}sha256:[0-9a-f]{64}$/m);

      const inspect = JSON.parse(sh("skopeo", ["inspect", c.inspect()], work)) as { Layers: string[]; Env: string[] };
      expect(inspect.Layers).toHaveLength(3);
      expect(inspect.Env).toContain("GREETING=hi");

      // umoci unpack of the committed image (archives converted to a layout by skopeo first).
      let layout = c.out();
      let layoutTag = "v2";
      const src = c.asOci();
      if (src !== undefined) {
        layout = `${c.out()}.layout`;
        layoutTag = "v2";
        sh("skopeo", ["copy", src, `oci:${layout}:${layoutTag}`], work);
      }
      const bundle = `${c.out()}.bundle`;
      sh("umoci", ["unpack", "--image", `${layout}:${layoutTag}`, bundle], work);
      const unpacked = hostTree(join(bundle, "rootfs"));
      const expected = await layerfsTree(c.image(), upper);
      expect(unpacked).toEqual(expected);
      // The committed image itself, loaded back by layerfs, shows the same tree.
      const committedRef = c.name === "docker archive" ? `${c.out()}:test/img:v2` : `${c.out()}:v2`;
      expect(await layerfsTree(committedRef)).toEqual(expected);
      expect(expected).toContain("/data/new file 644 5 " + Buffer.from("fresh").toString("base64"));
      expect(expected.some((l) => l.startsWith("/data/old "))).toBe(false);
      expect(expected.some((l) => l.startsWith("/gone"))).toBe(false);
      expect(expected.filter((l) => l.startsWith("/opq/"))).toEqual(["/opq/n file 644 1 " + Buffer.from("n").toString("base64")]);
    }, 60_000);
  }

  it("commit --gzip: a gzip layer that umoci unpacks to the same tree", async () => {
    const upper = join(work, "upper-out-layout"); // left by the OCI layout case
    const out = join(work, "out-gzip");
    const r = await runCli(["commit", "--image", join(work, "img:v1"), "--upper", upper, "-o", out, "--tag", "gz", "--gzip", "--cache", join(work, "cache")]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip/);
    const [, digest, diffID] = /^layer +(\S+).*\ndiff_id +(\S+)/m.exec(r.stdout)!;
    expect(digest).not.toBe(diffID);
    sh("umoci", ["unpack", "--image", `${out}:gz`, `${out}.bundle`], work);
    expect(hostTree(join(`${out}.bundle`, "rootfs"))).toEqual(await layerfsTree(join(work, "img:v1"), upper));
  }, 60_000);

  it("export writes the merged tree that GNU tar extracts exactly; the tar.gz then works as --layer", async () => {
    const upper = join(work, "upper-out-layout");
    const out = join(work, "flat.tar");
    const r = await runCli(["export", "--image", join(work, "img:v1"), "--upper", upper, "-o", out, "--cache", join(work, "cache")]);
    expect(r.status).toBe(0);
    mkdirSync(join(work, "flat"));
    sh("tar", ["-xpf", out, "-C", join(work, "flat")], work);
    const expected = await layerfsTree(join(work, "img:v1"), upper);
    expect(hostTree(join(work, "flat"))).toEqual(expected);
    sh("gzip", ["-k", out], work);
    const cache = join(work, "tarball-cache");
    for (let i = 0; i < 2; i++) {
      const cat = await runCli(["cat", "--layer", `${out}.gz`, "--cache", cache, "/data/new", "/etc/greeting"]);
      expect(cat).toEqual({ status: 0, stdout: "freshhello\n", stderr: "" });
    }
    expect(readdirSync(join(cache, "links/sha256"))).toHaveLength(1); // the second run found it by the blob digest
  }, 60_000);

  it("commit refuses an existing OUT, --zstd, and a missing --upper, each with one layerfs: line", async () => {
    const existing = join(work, "exists");
    mkdirSync(existing, { recursive: true });
    const upper = join(work, "upper-x");
    mkdirSync(upper, { recursive: true });
    const img = join(work, "img:v1");
    const a = await runCli(["commit", "--image", img, "--upper", upper, "-o", existing, "--cache", join(work, "cache")]);
    expect(a.status).toBe(1);
    expect(a.stderr).toMatch(/^layerfs: commit: .*exists.*never overwrites.*\n$/);
    const b = await runCli(["commit", "--image", img, "--upper", upper, "-o", join(work, "z"), "--zstd"]);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/^layerfs: commit: --zstd: writing zstd layers is not supported/);
    const c = await runCli(["commit", "--image", img, "-o", join(work, "z")]);
    expect(c).toMatchObject({ status: 2 });
    expect(c.stderr).toMatch(/--upper DIR is required/);
    expect(existsSync(join(work, "z"))).toBe(false);
  });
});

// `layerfs run --image` and the reading commands over an image made in-process (no
// external tools): Entrypoint + Cmd + Env + WorkingDir, PROGRAM read from the image
// (never the host), paths that try to leave the image, and the one-line errors.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipReason } from "../support/index.ts";
import { removeDir, ROOT, runCli, tempDir } from "./helpers.ts";
import { layerTar, writeLayout } from "./image-fixture.ts";

const PROBE = new Uint8Array(readFileSync(join(ROOT, "test/cli/fixtures/probe.wasm")));
let work = "";
const img = (name: string): string => join(work, name);
const cache = (): string[] => ["--cache", join(work, "cache")];

beforeAll(async () => {
  work = tempDir("layerfs-image-run-");
  const base = await layerTar({ "bin/probe.wasm": { file: PROBE, mode: 0o755 }, "etc/motd": "welcome\n", "data/": {}, "bin/not-wasm": "#!/bin/sh\n" });
  const top = await layerTar({ "etc/motd": "top layer\n", "usr/bin/tool.wasm": { file: PROBE, mode: 0o755 } });
  writeLayout(img("app"), [base, top], { tag: "v1", gzip: true, config: { Entrypoint: ["/bin/probe.wasm"], Cmd: ["env"], Env: ["PATH=/usr/bin:/bin", "FROM_IMAGE=yes", "OVERRIDE=image"], WorkingDir: "/data" } });
  writeLayout(img("bare"), [base], { tag: "v1" });
  writeLayout(img("escape"), [base], { tag: "v1", config: { Entrypoint: ["../../../../bin/probe.wasm", "args", "contained"], WorkingDir: "/data" } });
  writeLayout(img("host-path"), [base], { tag: "v1", config: { Entrypoint: [join(ROOT, "test/cli/fixtures/probe.wasm")] } });
  writeLayout(img("script"), [base], { tag: "v1", config: { Entrypoint: ["/bin/not-wasm"] } });
});
afterAll(() => removeDir(work));

describe("layerfs run --image", () => {
  it("runs Entrypoint + Cmd with the image's Env (then --env) from a gzip image", async () => {
    const r = await runCli(["run", "--image", `${img("app")}:v1`, "--env", "OVERRIDE=cli", ...cache()]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const env = r.stdout.split("\n");
    expect(env).toContain("FROM_IMAGE=yes");
    expect(env).toContain("OVERRIDE=cli");
    expect(env).toContain("PATH=/usr/bin:/bin");
  });

  it("takes PROGRAM as a path inside the image, or a name on the image's PATH", async () => {
    const byPath = await runCli(["run", "--image", img("app"), ...cache(), "--", "/usr/bin/tool.wasm", "args", "a", "b"]);
    expect(byPath).toEqual({ status: 0, stdout: "args\na\nb\n", stderr: "" });
    const byName = await runCli(["run", "--image", img("app"), ...cache(), "--", "tool.wasm", "cat", "/etc/motd"]);
    expect(byName).toEqual({ status: 0, stdout: "top layer\n", stderr: "" });
  });

  it("resolves an Entrypoint with ../ inside the image root", async () => {
    const r = await runCli(["run", "--image", img("escape"), ...cache()]);
    expect(r).toEqual({ status: 0, stdout: "args\ncontained\n", stderr: "" });
  });

  it("never runs a host file: an Entrypoint naming a host path is not in the image", async () => {
    const r = await runCli(["run", "--image", img("host-path"), ...cache()]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^layerfs: run: .*host-path: .*probe\.wasm: no such program in the image\n$/);
  });

  it("says so when there is nothing to run, or it is not WebAssembly", async () => {
    const bare = await runCli(["run", "--image", img("bare"), ...cache()]);
    expect(bare.status).toBe(1);
    expect(bare.stderr).toMatch(/^layerfs: run: .*bare: the image config has no Entrypoint or Cmd; give a PROGRAM after --\n$/);
    const script = await runCli(["run", "--image", img("script"), ...cache()]);
    expect(script.status).toBe(1);
    expect(script.stderr).toMatch(/^layerfs: run: .*\/bin\/not-wasm: not a WebAssembly module/);
    const missing = await runCli(["run", "--image", img("nope:v1"), ...cache()]);
    expect(missing).toEqual({ status: 1, stdout: "", stderr: `layerfs: run: image '${img("nope:v1")}': no such file or directory\n` });
    const tag = await runCli(["run", "--image", `${img("app")}:v9`, ...cache()]);
    expect(tag.status).toBe(1);
    expect(tag.stderr.split("\n")).toHaveLength(2);
    expect(tag.stderr).toMatch(/^layerfs: run: .*v9/);
  });

  it("writes into --upper, which diff then lists", async () => {
    const upper = join(work, "upper");
    const run = await runCli(["run", "--image", img("app"), "--upper", upper, ...cache(), "--", "/bin/probe.wasm", "ops", "write", "/etc/motd", "changed", "rm", "/bin/not-wasm"]);
    expect(run.status).toBe(0);
    expect((await runCli(["diff", "--image", img("app"), "--upper", upper, ...cache()])).stdout).toBe("C /bin\nD /bin/not-wasm\nC /etc/motd\n");
    expect((await runCli(["cat", "--image", img("app"), "--upper", upper, ...cache(), "/etc/motd"])).stdout).toBe("changed");
  });
});

describe("ls, cat, tree --image", () => {
  it("show the merged image", async () => {
    expect((await runCli(["ls", "--image", img("app"), ...cache(), "/"])).stdout).toBe("bin\ndata\netc\nusr\n");
    expect((await runCli(["cat", "--image", `${img("app")}:v1`, ...cache(), "/etc/motd"])).stdout).toBe("top layer\n");
    const tree = await runCli(["tree", "--image", img("app"), ...cache(), "/usr"]);
    expect(tree.stdout).toBe("/usr\n└── bin\n    └── tool.wasm\n\n1 directory, 1 file\n");
  });

  it("stack --layer directories and tarballs above the image", async () => {
    const dir = join(work, "above");
    mkdirSync(join(dir, "etc"), { recursive: true });
    writeFileSync(join(dir, "etc/motd"), "from the dir layer\n");
    const tarball = join(work, "above.tar");
    writeFileSync(tarball, await layerTar({ "etc/extra": "from the tarball\n" }));
    const r = await runCli(["cat", "--image", img("app"), "--layer", dir, "--layer", tarball, ...cache(), "/etc/motd", "/etc/extra"]);
    expect(r).toEqual({ status: 0, stdout: "from the dir layer\nfrom the tarball\n", stderr: "" });
    const run = await runCli(["run", "--image", img("app"), "--layer", tarball, ...cache(), "--", "/bin/probe.wasm", "cat", "/etc/extra"]);
    expect(run).toEqual({ status: 0, stdout: "from the tarball\n", stderr: "" });
  });

  it("have --help for export and commit", async () => {
    for (const cmd of ["export", "commit"]) {
      const r = await runCli([cmd, "--help"]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: layerfs ${cmd} `));
    }
    expect((await runCli(["export", "--image", img("app")])).stderr).toMatch(/^layerfs: export: -o OUT.tar is required \(see 'layerfs export --help'\)\n$/);
  });
});

describe("under Deno (deno run -A src/cli/main.ts)", () => {
  const DENO = join(ROOT, "node_modules/.bin/deno");
  const noDeno = existsSync(DENO) ? undefined : "deno is not installed (node_modules/.bin/deno missing)";
  it.skipIf(skipReason(noDeno))("runs an image's entrypoint, then commits its upper to a layout that loads back", async () => {
    const deno = (args: string[]) => {
      const r = spawnSync(DENO, ["run", "-A", "--node-modules-dir=manual", join(ROOT, "src/cli/main.ts"), ...args], { cwd: ROOT, encoding: "utf8" });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const upper = join(work, "deno-upper");
    const dcache = ["--cache", join(work, "deno-cache")];
    expect(deno(["run", "--image", img("app"), "--upper", upper, ...dcache, "--", "/bin/probe.wasm", "write", "/data/by-deno", "hi"])).toMatchObject({ status: 0, stderr: "" });
    const commit = deno(["commit", "--image", img("app"), "--upper", upper, ...dcache, "-o", join(work, "deno-out"), "--gzip", "--tag", "d"]);
    expect(commit.stderr).toBe("");
    expect(commit.stdout).toMatch(/^wrote .*deno-out \(oci-layout, tag d\)$/m);
    expect((await runCli(["cat", "--image", `${join(work, "deno-out")}:d`, ...cache(), "/data/by-deno"])).stdout).toBe("hi");
  }, 60_000);
});

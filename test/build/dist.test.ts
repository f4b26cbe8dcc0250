// `npm run build` emits dist/, and plain JavaScript in Node can import the package by
// its name (package.json "exports") and use it. Node only (lives outside the portable dirs).
// The build goes to a private copy of the package (same tsconfig, another outDir), so it
// never rewrites dist/ under tests that are running bin/layerfs.js at the same time.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

describe("the built package", () => {
  let work = "";
  let pkg = "";
  let consumer = "";

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "layerfs-build-"));
    pkg = join(work, "layerfs");
    mkdirSync(pkg);
    copyFileSync(join(ROOT, "package.json"), join(pkg, "package.json"));
    symlinkSync(join(ROOT, "node_modules"), join(pkg, "node_modules"), "dir");
    // `npm run build` with another outDir; a type error fails the build and this test.
    const outDir = join(pkg, "dist");
    try {
      execFileSync(process.execPath, [TSC, "-p", "tsconfig.build.json", "--outDir", outDir], {
        cwd: ROOT, stdio: "pipe", encoding: "utf8",
      });
    } catch (e) {
      const { stdout, stderr } = e as { stdout?: string; stderr?: string };
      throw new Error(`npm run build (tsc -p tsconfig.build.json) failed:\n${stdout ?? ""}${stderr ?? ""}`);
    }
    // A throwaway project that depends on layerfs, as an npm user's would.
    consumer = join(work, "consumer");
    mkdirSync(join(consumer, "node_modules"), { recursive: true });
    symlinkSync(pkg, join(consumer, "node_modules", "layerfs"), "dir");
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("has JavaScript and type declarations for the entry point", () => {
    expect(existsSync(join(pkg, "dist", "mod.js"))).toBe(true);
    expect(existsSync(join(pkg, "dist", "mod.d.ts"))).toBe(true);
  });

  it("is importable by name from plain JavaScript and exports the public classes", () => {
    const script = join(consumer, "exports.mjs");
    writeFileSync(script, `
      import * as layerfs from "layerfs";
      console.log(JSON.stringify(["Image", "Union", "MemoryLayer", "FsError", "Errno"].map((n) => [n, typeof layerfs[n]])));
    `);
    const out = execFileSync(process.execPath, [script], { cwd: consumer, encoding: "utf8" });
    expect(Object.fromEntries(JSON.parse(out))).toEqual({
      Image: "function", Union: "function", MemoryLayer: "function", FsError: "function", Errno: "object",
    });
  });

  it("has the layerfs/testing entry (checkLayer) beside the main one", () => {
    const script = join(consumer, "testing.mjs");
    writeFileSync(script, `
      import { MemoryLayer } from "layerfs";
      import { checkLayer, layerProblems, LayerCheckError } from "layerfs/testing";
      checkLayer(MemoryLayer.from({ "a/b": "x" }), { expected: ["a/", "a/b"] });
      const problems = layerProblems(MemoryLayer.from({}), { expected: ["missing"] });
      console.log(JSON.stringify({ problems, error: typeof LayerCheckError }));
    `);
    const out = execFileSync(process.execPath, [script], { cwd: consumer, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({ problems: ['"missing": expected path is missing'], error: "function" });
  });

  it("type-checks in a TypeScript project without Node's types (a browser project's libs)", () => {
    // Strict, ES2022 + DOM libs only, no @types/node, skipLibCheck off: every
    // emitted declaration the entry point reaches must stand on those libs.
    const project = join(work, "ts-consumer");
    mkdirSync(join(project, "node_modules"), { recursive: true });
    symlinkSync(pkg, join(project, "node_modules", "layerfs"), "dir");
    writeFileSync(join(project, "main.ts"), `
      import { Image, MemoryLayer, Union } from "layerfs";
      import { checkLayer } from "layerfs/testing";
      const upper = new MemoryLayer();
      const u: Union = new Union(new Image([MemoryLayer.from({ "etc/motd": "hi" })]), upper);
      const text: string = u.readFile("/etc/motd", "utf8");
      checkLayer(upper);
      u[Symbol.dispose]();
      console.log(text);
    `);
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        target: "ES2022", lib: ["ES2022", "DOM"], module: "ESNext", moduleResolution: "bundler",
        strict: true, noEmit: true, types: [], skipLibCheck: false,
      },
      files: ["main.ts"],
    }));
    let out = "";
    try {
      out = execFileSync(process.execPath, [TSC, "-p", project], { cwd: project, stdio: "pipe", encoding: "utf8" });
    } catch (e) {
      const { stdout, stderr } = e as { stdout?: string; stderr?: string };
      out = `${stdout ?? ""}${stderr ?? ""}`;
    }
    expect(out).toBe("");
  });

  it("runs a union over an image from plain JavaScript", () => {
    const script = join(consumer, "use.mjs");
    writeFileSync(script, `
      import { Image, MemoryLayer, Union } from "layerfs";
      const image = new Image([MemoryLayer.from({ "etc/motd": "from the image\\n" })]);
      const u = new Union(image, new MemoryLayer());
      const before = u.readFile("/etc/motd", "utf8");
      u.writeFile("/etc/motd", "changed\\n");
      let code = "";
      try { u.readFile("/missing"); } catch (e) { code = e.code; }
      console.log(JSON.stringify({ before, after: u.readFile("/etc/motd", "utf8"), code,
        lower: new TextDecoder().decode(new Union(image, new MemoryLayer()).readFile("/etc/motd")) }));
    `);
    const out = execFileSync(process.execPath, [script], { cwd: consumer, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({
      before: "from the image\n", after: "changed\n", code: "ENOENT", lower: "from the image\n",
    });
  });
});

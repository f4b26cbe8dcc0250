// `npm start`: the aufs demo runs end to end, shows copy-up and the whiteout at the
// right steps, and leaves the bundled example directories untouched.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { DEMO_DIR, readTree, ROOT } from "./helpers.ts";

it("npm start runs the aufs demo on a copy: aaa/file3 after modify, aaa/.wh.file3 after remove", () => {
  const before = [readTree(join(DEMO_DIR, "aaa")), readTree(join(DEMO_DIR, "bbb"))];
  const r = spawnSync(join(ROOT, "node_modules/.bin/tsx"), [join(DEMO_DIR, "demo.ts")], { cwd: ROOT, encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const out = r.stdout;

  const section = (title: string) => {
    const start = out.indexOf(`━━ ${title}`);
    expect(start, `section ${title}`).toBeGreaterThanOrEqual(0);
    const end = out.indexOf("━━ ", start + 3);
    return out.slice(start, end < 0 ? undefined : end);
  };
  const disk = (text: string, dir: "aaa" | "bbb") => {
    const start = text.indexOf(`  ${dir}/ on disk`);
    return text.slice(start, text.indexOf("\n\n", start));
  };

  const modify = section("step 2: modify");
  expect(modify).toContain("$ layerfs run --layer bbb --upper aaa -- demo.wasm modify");
  expect(disk(modify, "aaa")).toMatch(/file3 +│ file3 in bbb \(read-only layer\)\n +│ modified by demo/);
  expect(disk(modify, "bbb")).toMatch(/file3 +│ file3 in bbb \(read-only layer\)$/);

  const remove = section("step 3: remove");
  expect(disk(remove, "aaa")).toMatch(/\.wh\.file3 +│ \(empty whiteout: hides file3/);
  expect(disk(remove, "aaa")).not.toMatch(/\n +file3 /);
  expect(disk(remove, "bbb")).toMatch(/file3 +│ file3 in bbb \(read-only layer\)$/);
  expect(remove).toMatch(/\$ layerfs diff --layer bbb --upper aaa\n +A \/file1\n +C \/file2\n +D \/file3\n/);

  const work = /on a copy of .* in (\S+), removed at the end/.exec(out)?.[1];
  expect(work).toBeDefined();
  expect(existsSync(work!)).toBe(false);
  expect([readTree(join(DEMO_DIR, "aaa")), readTree(join(DEMO_DIR, "bbb"))]).toEqual(before);
});

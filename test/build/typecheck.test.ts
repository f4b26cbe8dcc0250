// The whole project (sources, tests, benches, examples, scripts) passes `npm run typecheck`
// (tsc --noEmit -p tsconfig.json), the team's rule for every commit. Node only.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

describe("type checking", () => {
  it("finds no type errors anywhere in the project", () => {
    let output = "";
    try {
      execFileSync(process.execPath, [TSC, "--noEmit", "-p", "tsconfig.json"], { cwd: ROOT, stdio: "pipe", encoding: "utf8" });
    } catch (e) {
      const { stdout, stderr } = e as { stdout?: string; stderr?: string };
      output = `${stdout ?? ""}${stderr ?? ""}` || String(e);
    }
    expect(output).toBe("");
  }, 120_000);
});

// The kernel oracle itself (overlay-oracle.py): each feature the differential tests rely
// on, checked on real overlayfs, so a wrong oracle cannot make layerfs look right.
// Node only, root; skips with a printed reason where overlay mounts are not possible.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { skipReason } from "../support/skip.ts";
import { ORACLE, oracleUnavailable, parseOracleOutput, runOracle } from "./harness.ts";

const unavailable = await oracleUnavailable();
const base = mkdtempSync(join(tmpdir(), "layerfs-oracle-self-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Layers from { path: content } maps (a path ending in "/" is a directory), bottom first. */
function layers(name: string, ...specs: Record<string, string>[]): string[] {
  return specs.map((spec, i) => {
    const dir = join(base, name, `L${i}`);
    mkdirSync(dir, { recursive: true });
    for (const [p, content] of Object.entries(spec)) {
      if (p.endsWith("/")) mkdirSync(join(dir, p), { recursive: true });
      else {
        mkdirSync(join(dir, p, ".."), { recursive: true });
        writeFileSync(join(dir, p), content);
      }
    }
    return dir;
  });
}

let uppers = 0;
async function oracle(lowersBottomFirst: string[], cmd: string, opts: string[] = []) {
  const upper = join(base, `upper${uppers++}`);
  const r = await runOracle([...opts, [...lowersBottomFirst].reverse().join(":"), upper, cmd]);
  const out = parseOracleOutput(r.stdout);
  const rows = (lines: string[]) => lines.map((l) => l.split("\t").slice(0, 2).join(" "));
  return { ...r, ...out, mergedRows: rows(out.merged), upperRows: rows(out.upper) };
}

describe.skipIf(skipReason(unavailable))("the kernel oracle (overlay-oracle.py)", () => {
  it("reads OCI-form lowers: whiteouts, opaque directories, same-layer rules, aufs internals", async () => {
    const [l0, l1] = layers("oci",
      { "f": "f0", "g": "g0", "d/a": "a", "o/old": "old", "same/old": "s0", "keep/x": "x" },
      { ".wh.f": "", "o/.wh..wh..opq": "", "o/new": "n", ".wh.same": "", "same/new": "s1", ".wh.g": "", "g": "g1",
        ".wh..wh.aufs": "", "d/.wh.a": "" });
    const k = await oracle([l0!, l1!], "true");
    expect(k.status, k.stderr).toBe(0);
    expect(k.mergedRows).toEqual(["d d", "g f", "keep d", "keep/x f", "o d", "o/new f", "same d", "same/new f"]);
    // .wh.g beside g in one layer: g survives with that layer's content
    expect(k.merged.find((l) => l.startsWith("g\t"))!.split("\t").slice(4, 6))
      .toEqual(["2", createHash("sha256").update("g1").digest("hex")]);
    expect(k.upper).toEqual([]);
    expect(k.check[0]).toMatch(/^OK /);
    expect(k.warnings.join("\n")).toMatch(/aufs-internal entry \.wh\.\.wh\.aufs ignored/);
    expect(readFileSync(join(l1!, ".wh.f"), "utf8")).toBe(""); // the lowers are never changed
  });

  it("prints the upper in OCI form with the command's output and exit status", async () => {
    const [l0] = layers("ops", { "etc/passwd": "root\n", "d/sub/x": "x", "h1": "h" });
    linkSync(join(l0!, "h1"), join(l0!, "h2"));
    const k = await oracle([l0!], "echo more >> etc/passwd; rm d/sub/x; rmdir d/sub; mkdir d/sub; ln h1 h3; echo out; exit 7",
      ["--mtime"]);
    expect(k.status, k.stderr).toBe(0);
    expect(k.stdout).toMatch(/^## command \(exit status 7\)$/m);
    expect(k.stdout).toMatch(/^\| out$/m);
    expect(k.upperRows).toEqual(["d d", "d/sub d", "d/sub/.wh..wh..opq opq", "etc d", "etc/passwd f", "h1 f", "h3 f"]);
    // h1 copied up and linked: one upper group; h2 stays the lower alias (index=off)
    expect(k.upper.find((l) => l.startsWith("h3\t"))!.split("\t")[7]).toBe("h1");
    expect(k.merged.find((l) => l.startsWith("h2\t"))!.split("\t")[7]).toBe("-");
    expect(k.merged[0]!.split("\t")).toHaveLength(9); // --mtime adds a column
    expect(k.check[0]).toMatch(/^OK /);
  });

  it("refuses a directory rename with EXDEV by default and expands a redirect_dir=on rename", async () => {
    const [l0] = layers("rename", { "keep/deep/file": "f" });
    const strict = await oracle([l0!], `/usr/bin/python3 -c 'import os; os.rename("keep", "k2")'`);
    expect(strict.stdout).toMatch(/Invalid cross-device link/);
    expect(strict.upper).toEqual([]);
    const deep = await oracle([l0!], "mv keep k2", ["-o", "redirect_dir=on"]);
    expect(deep.status, deep.stderr).toBe(0);
    expect(deep.upperRows).toEqual([".wh.keep wh", "k2 d", "k2/.wh..wh..opq opq", "k2/deep d", "k2/deep/file f"]);
    expect(deep.check[0]).toMatch(/^OK /);
    expect(deep.warnings.join("\n")).toMatch(/redirected directory k2/);
  });

  it("exits 3 when the upper cannot be an OCI layer (a .wh. name made through the mount)", async () => {
    const [l0] = layers("reserved", { a: "a" });
    const k = await oracle([l0!], "echo x > .wh.a");
    expect(k.status).toBe(3);
    expect(k.warnings.join("\n")).toMatch(/UNREPRESENTABLE: \.wh\.a/);
    expect(k.check[0]).toMatch(/^MISMATCH /);
  });

  it("refuses a root-level opaque marker, a non-empty upper and a missing lower with status 2", async () => {
    const [l0, l1] = layers("refuse", { a: "a" }, { ".wh..wh..opq": "", b: "b" });
    const root = await oracle([l0!, l1!], "true");
    expect(root.status).toBe(2);
    expect(root.stderr).toMatch(/has \.wh\.\.wh\.\.opq at its root: overlayfs ignores/);
    const full = join(base, "full-upper");
    mkdirSync(full);
    writeFileSync(join(full, "x"), "");
    const r = await runOracle([l0!, full, "true"]);
    expect([r.status, r.stderr]).toEqual([2, expect.stringMatching(/is not empty/)]);
    const missing = await runOracle([join(base, "nope"), join(base, "u-missing"), "true"]);
    expect([missing.status, missing.stderr]).toEqual([2, expect.stringMatching(/is not a directory/)]);
  });

  it("kills a command that outlives --timeout, leaves no mount and no temporary files behind", () => {
    const [l0] = layers("timeout", { a: "a" });
    const tmp = join(base, "tmp");
    mkdirSync(tmp);
    const started = performance.now();
    const r = spawnSync(ORACLE, ["--timeout", "1", l0!, join(base, "upper-timeout"), "echo started; sleep 30 & sleep 30"],
      { encoding: "utf8", env: { ...process.env, TMPDIR: tmp }, timeout: 60_000 });
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(r.stdout).toMatch(/^## command \(exit status 124\)$/m);
    expect(r.stdout).toMatch(/^\| started$/m);
    expect(r.stdout).toMatch(/^- command killed after 1 s$/m);
    expect(readdirSync(tmp)).toEqual([]);
    expect(readFileSync("/proc/self/mounts", "utf8")).not.toContain(tmp); // the mount was private
  });
});

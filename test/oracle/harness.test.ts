// Unit tests of the differential-test machinery itself (no root needed): the listing
// format, the oracle output parser, the errno mapping, the lower-layer model and the
// scenario generator. The oracle script itself: oracle-script.test.ts (root).
import { describe, expect, it } from "vitest";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { compareBytes, escapeName, formatListing, renderLayer } from "../support/oracle-format.ts";
import { errnoFromMessage, shellQuote, shellScript } from "./dsl.ts";
import { dropNoOpOpaques, kernelBottom, lowerDirectories, noOpWhiteouts, normalize, parseOracleOutput } from "./harness.ts";
import { allScenarios } from "./all.ts";
import { randomScenarios } from "./random.ts";

describe("the oracle listing format", () => {
  it("escapes paths as the oracle does: printable ASCII kept, backslash doubled, other bytes as \\xNN", () => {
    expect(escapeName("sp ace")).toBe("sp ace");
    expect(escapeName("a\\b")).toBe("a\\\\b");
    expect(escapeName("caf\u00e9")).toBe("caf\\xc3\\xa9");
    expect(escapeName("nl\nname")).toBe("nl\\x0aname");
  });

  it("sorts by UTF-8 bytes, not UTF-16 code units", () => {
    const names = ["\u{1F600}", "\uFF5E", "a", "B"];
    expect([...names].sort(compareBytes)).toEqual(["B", "a", "\uFF5E", "\u{1F600}"]);
  });

  it("names a hard-link group by its smallest path and leaves singletons and directories unnamed", () => {
    const lines = formatListing([
      { path: "z", type: "f", mode: 0o644, size: 1, sha256: "s", identity: 7 },
      { path: "b/y", type: "f", mode: 0o644, size: 1, sha256: "s", identity: 7 },
      { path: "b", type: "d", mode: 0o755, identity: 7 },
      { path: "c", type: "f", mode: 0o600, size: 2, sha256: "t", identity: 8 },
      { path: "b/.wh.x", type: "wh" },
    ]);
    expect(lines).toEqual([
      "b\td\t0755\t0:0\t-\t-\t-\t-",
      "b/.wh.x\twh\t-\t-\t-\t-\t-\t-",
      "b/y\tf\t0644\t0:0\t1\ts\t-\tb/y",
      "c\tf\t0600\t0:0\t2\tt\t-\t-",
      "z\tf\t0644\t0:0\t1\ts\t-\tb/y",
    ]);
  });

  it("renders a raw layer with wh and opq rows and content hashes", async () => {
    const layer = MemoryLayer.from({ "d/.wh..wh..opq": "", "d/.wh.x": "", "d/f": "abc", l: { symlink: "d/f" } }, { timeNs: 0n });
    expect(await renderLayer(layer)).toEqual([
      "d\td\t0755\t0:0\t-\t-\t-\t-",
      "d/.wh..wh..opq\topq\t-\t-\t-\t-\t-\t-",
      "d/.wh.x\twh\t-\t-\t-\t-\t-\t-",
      "d/f\tf\t0644\t0:0\t3\tba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\t-\t-",
      "l\tl\t0777\t0:0\t3\t-\td/f\t-",
    ]);
  });
});

describe("the oracle output parser", () => {
  const output = [
    "# overlay-oracle.py  kernel=6.18",
    "## command (exit status 0): umask 022",
    "| @@STEP\t0\t0\t",
    "| @@STEP\t1\t1\trmdir: failed to remove 'd': Directory not empty",
    "| @@STEP\t2\t0\tlower data",
    "| @@STEP\t3\t1\terrno:EXDEV",
    "## merged",
    "d\td\t0755\t0:0\t-\t-\t-\t-\t1000000000",
    "## upper-oci",
    ".wh.f\twh\t-\t-\t-\t-\t-\t-\t-",
    "## check",
    "OK applying upper-oci over the lowers (OCI rules) reproduces merged",
    "## warnings",
    "",
  ].join("\n");

  it("splits the sections and turns each step marker into ok, ok:output or an errno", () => {
    const r = parseOracleOutput(output, [
      { op: "rm", path: "f" }, { op: "rmdir", path: "d" },
      { op: "readAcrossCopyUp", path: "f", data: "x" }, { op: "mv", from: "d", to: "e", raw: true },
    ]);
    expect(r.steps).toEqual(["ok", "ENOTEMPTY", "ok:lower data", "EXDEV"]);
    expect(r.merged).toEqual(["d\td\t0755\t0:0\t-\t-\t-\t-\t1000000000"]);
    expect(r.upper).toEqual([".wh.f\twh\t-\t-\t-\t-\t-\t-\t-"]);
    expect(r.check[0]).toMatch(/^OK /);
    expect(r.warnings).toEqual([]);
  });

  it("maps coreutils messages and mv's own wording to errno codes", () => {
    expect(errnoFromMessage("mv: cannot overwrite non-directory 'f' with directory 'd'")).toBe("ENOTDIR");
    expect(errnoFromMessage("mv: cannot overwrite directory 'd' with non-directory")).toBe("EISDIR");
    expect(errnoFromMessage("ln: d: hard link not allowed for directory")).toBe("EPERM");
    expect(errnoFromMessage("cat: loop: Too many levels of symbolic links")).toBe("ELOOP");
    expect(errnoFromMessage("something else")).toBeUndefined();
  });

  it("quotes shell words so any data survives, and numbers every step", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    const script = shellScript([{ op: "write", path: "a b", data: "x'y" }, { op: "rm", path: "c" }]);
    expect(script).toContain(`printf %s 'x'\\''y' > 'a b'`);
    expect(script.match(/@@STEP/g)).toHaveLength(2);
  });
});

describe("normalisations", () => {
  it("maps times at or after the run's start to now and can drop the mtime column", () => {
    const lines = ["a\tf\t0644\t0:0\t1\ts\t-\t-\t1000000000", "b\td\t0755\t0:0\t-\t-\t-\t-\t2000000000", "c\twh\t-\t-\t-\t-\t-\t-\t-"];
    expect(normalize(lines, 1999999999, true)).toEqual([
      "a\tf\t0644\t0:0\t1\ts\t-\t-\t1000000000", "b\td\t0755\t0:0\t-\t-\t-\t-\tnow", "c\twh\t-\t-\t-\t-\t-\t-\t-",
    ]);
    expect(normalize(lines, 0, false)[0]).toBe("a\tf\t0644\t0:0\t1\ts\t-\t-");
  });

  it("finds lower whiteouts that hide nothing, including inside opaque directories", () => {
    const lowers = [
      MemoryLayer.from({ "d/a": "1", "e/b": "2" }),
      MemoryLayer.from({ "d/.wh.a": "", "d/.wh.zz": "", ".wh.e": "", ".wh.nothing": "", "o/.wh..wh..opq": "", "o/.wh.q": "" }),
    ];
    expect(noOpWhiteouts(lowers).map((s) => [...s].sort())).toEqual([[], [".wh.nothing", "d/.wh.zz", "o/.wh.q"]]);
  });

  it("drops opaque markers only on directories no lower shows", () => {
    const dirs = lowerDirectories([MemoryLayer.from({ "d/a": "1", f: "file" })]);
    expect([...dirs].sort()).toEqual(["d"]);
    const upper = ["d/.wh..wh..opq\topq\t-", "f/.wh..wh..opq\topq\t-", "n/.wh..wh..opq\topq\t-", "n\td\t0755"];
    expect(dropNoOpOpaques(upper, dirs)).toEqual(["d/.wh..wh..opq\topq\t-", "n\td\t0755"]);
  });
});

describe("root-level opaque markers (the kernel ignores them, OCI hides every layer below)", () => {
  const layer = (spec: Record<string, string>) => MemoryLayer.from(spec);

  it("gives the kernel the layers from the topmost root-level marker up", () => {
    expect(kernelBottom([layer({ a: "1" }), layer({ b: "2" })])).toBe(0);
    expect(kernelBottom([layer({ a: "1" }), layer({ ".wh..wh..opq": "", b: "2" }), layer({ c: "3" })])).toBe(1);
    expect(kernelBottom([layer({ ".wh..wh..opq": "" }), layer({ ".wh..wh..opq": "" }), layer({ "d/.wh..wh..opq": "" })])).toBe(1);
  });

  it("makes whiteouts in a marked layer no-ops: everything they would hide is hidden already", () => {
    const lowers = [layer({ a: "1", b: "2" }), layer({ ".wh..wh..opq": "", ".wh.a": "", c: "3" })];
    expect(noOpWhiteouts(lowers).map((s) => [...s])).toEqual([[], [".wh.a"]]);
    expect([...lowerDirectories([layer({ "d/x": "1" }), layer({ ".wh..wh..opq": "", "e/y": "2" })])]).toEqual(["e"]);
  });

  it("generates them above the bottom layer in every rootOpaque scenario, reproducibly", () => {
    const scns = randomScenarios(20, 500000, "strict", true, { rootOpaque: true, maxLayers: 4 });
    expect(JSON.stringify(randomScenarios(20, 500000, "strict", true, { rootOpaque: true, maxLayers: 4 })))
      .toBe(JSON.stringify(scns));
    for (const s of scns) {
      const marked = s.lowers.flatMap((l, i) => (".wh..wh..opq" in l ? [i] : []));
      expect(marked.length).toBeGreaterThanOrEqual(1);
      expect(Math.max(...marked)).toBeGreaterThanOrEqual(1);
      expect(s.lowers.length).toBeLessThanOrEqual(4);
    }
    expect(scns.some((s) => s.lowers.filter((l) => ".wh..wh..opq" in l).length === 2)).toBe(true);
    expect(allScenarios().filter((s) => s.name.includes("root-level opaque marker")).length).toBeGreaterThanOrEqual(6);
  });
});

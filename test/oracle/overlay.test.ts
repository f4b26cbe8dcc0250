// Differential tests against real kernel overlayfs (issue 2 item 7): every scenario runs
// on the kernel (overlay-oracle.py, in a private mount namespace) and on a layerfs Union,
// and the merged trees and upper layers must match line for line. Node only; skips with a
// printed reason where root, `unshare -m` or overlay mounts are not available.
// Compared columns and the mtime normalisation: see harness.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { runtime, skipReason } from "../support/index.ts";
import type { Scenario } from "./dsl.ts";
import { allScenarios, reservedNameScenarios } from "./all.ts";

/** LAYERFS_ORACLE_RANDOM=N runs N times more generated scenarios (default 1: 36 of them, see all.ts). */
const scale = Math.max(1, Number((globalThis as { process?: { env: Record<string, string | undefined> } })
  .process?.env.LAYERFS_ORACLE_RANDOM ?? 1) || 1);
const scenarios = allScenarios(scale);

type Harness = typeof import("./harness.ts");
type Outcome = {
  kernel?: Awaited<ReturnType<Harness["runKernel"]>>;
  union?: Awaited<ReturnType<Harness["runUnion"]>>;
  host?: Awaited<ReturnType<Harness["runUnionOnHost"]>>;
  hostError?: unknown;
  kernelError?: unknown;
  unionError?: unknown;
};

const harness: Harness | undefined = runtime() === "node" ? await import("./harness.ts") : undefined;
const unavailable = harness ? await harness.oracleUnavailable() : `the kernel oracle runs only under Node, this is ${runtime()}`;

/** The scenario in one line, for failure messages. */
function describeScenario(scn: Scenario): string {
  return `lowers (bottom first) ${JSON.stringify(scn.lowers)}; steps ${JSON.stringify(scn.steps)}`;
}

describe.skipIf(skipReason(unavailable))("kernel overlayfs differential tests", () => {
  const h = harness!;
  const outcomes = new Map<Scenario, Outcome>();
  let sinceS = 0;

  beforeAll(async () => {
    sinceS = Math.floor(Date.now() / 1000) - 1;
    const all = [...scenarios, ...reservedNameScenarios];
    const started = performance.now();
    await h.pool(all, 4, async (scn) => {
      const o: Outcome = {};
      outcomes.set(scn, o);
      try {
        const lowers = h.buildLowers(scn);
        try {
          o.union = await h.runUnion(scn, lowers);
        } catch (e) {
          o.unionError = e;
        }
        try {
          o.host = await h.runUnionOnHost(scn, lowers);
        } catch (e) {
          o.hostError = e;
        }
        o.kernel = await h.runKernel(scn, lowers);
        if (scn.redirectDir) {
          const dirs = h.lowerDirectories(lowers);
          o.kernel.upper = h.dropNoOpOpaques(o.kernel.upper, dirs);
          if (o.union) o.union.upper = h.dropNoOpOpaques(o.union.upper, dirs);
          if (o.host) o.host.upper = h.dropNoOpOpaques(o.host.upper, dirs);
        }
      } catch (e) {
        o.kernelError = e;
      }
    });
    console.log(`oracle: ${all.length} scenarios on kernel overlayfs and layerfs in ${Math.round(performance.now() - started)} ms`);
  }, 300_000); // ~30 s on an idle 2-CPU machine; generous for loaded CI runners

  const kernelOf = (scn: Scenario) => {
    const o = outcomes.get(scn)!;
    if (o.kernelError !== undefined) throw o.kernelError;
    return o.kernel!;
  };
  const get = (scn: Scenario) => {
    const o = outcomes.get(scn)!;
    if (o.unionError !== undefined) throw o.unionError;
    return { kernel: kernelOf(scn), union: o.union! };
  };

  for (const scn of scenarios) {
    describe(scn.name, () => {
      it("runs on the kernel with an upper that is a valid OCI layer", () => {
        const kernel = kernelOf(scn);
        expect(kernel.status, kernel.stderr + kernel.check.join("\n")).toBe(0);
        expect(kernel.check[0]).toMatch(/^OK /);
        for (const s of kernel.steps) expect(s).toMatch(/^(ok(:.*)?|E[A-Z]+)$/);
      });

      it("gives each step the kernel's outcome (ok or the same errno)", () => {
        const { kernel, union } = get(scn);
        expect(union.steps, describeScenario(scn)).toEqual(kernel.steps);
      });

      it("shows the kernel's merged tree", () => {
        const { kernel, union } = get(scn);
        expect(h.normalize(union.merged, sinceS, false).join("\n"), describeScenario(scn))
          .toBe(h.normalize(kernel.merged, sinceS, false).join("\n"));
      });

      it("leaves the kernel's upper layer in OCI form", () => {
        const { kernel, union } = get(scn);
        expect(h.normalize(union.upper, sinceS, false).join("\n"), describeScenario(scn))
          .toBe(h.normalize(kernel.upper, sinceS, false).join("\n"));
      });

      it("does the same on host-directory layers (DirLayer lowers and upper)", () => {
        const o = outcomes.get(scn)!;
        if (o.hostError !== undefined) throw o.hostError;
        const kernel = kernelOf(scn);
        const host = o.host!;
        expect(host.steps, describeScenario(scn)).toEqual(kernel.steps);
        expect(h.normalize(host.merged, sinceS, true).join("\n"), "merged")
          .toBe(h.normalize(kernel.merged, sinceS, true).join("\n"));
        expect(h.normalize(host.upper, sinceS, true).join("\n"), "upper on disk")
          .toBe(h.normalize(kernel.upper, sinceS, true).join("\n"));
      });

      it("has the kernel's mtimes in the merged tree and the upper", () => {
        const { kernel, union } = get(scn);
        expect(h.normalize(union.merged, sinceS, true).join("\n"))
          .toBe(h.normalize(kernel.merged, sinceS, true).join("\n"));
        expect(h.normalize(union.upper, sinceS, true).join("\n"))
          .toBe(h.normalize(kernel.upper, sinceS, true).join("\n"));
      });
    });
  }

  for (const scn of reservedNameScenarios) {
    describe(scn.name, () => {
      it("is accepted by the kernel, whose upper then cannot be an OCI layer (oracle exit 3)", () => {
        const kernel = kernelOf(scn);
        expect(kernel.steps.every((s) => s === "ok")).toBe(true);
        expect(kernel.status).toBe(3);
        expect(kernel.warnings.join("\n")).toMatch(/UNREPRESENTABLE/);
      });

      it("is refused by layerfs with EPERM, leaving the upper empty", () => {
        const { union } = get(scn);
        expect(union.steps).toEqual(scn.steps.map(() => "EPERM"));
        expect(union.upper).toEqual([]);
      });
    });
  }
});

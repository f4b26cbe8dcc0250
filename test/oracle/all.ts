// The scenario set of the kernel differential tests: curated (scenarios.ts) and
// reproducible generated ones (random.ts), 36 generated at scale 1 (6 of them with
// root-level opaque markers; each oracle run costs ~0.3 s of CPU). No node:* imports.
import type { Scenario } from "./dsl.ts";
import { randomScenarios } from "./random.ts";
import { scenarios as curated } from "./scenarios.ts";

export { reservedNameScenarios } from "./scenarios.ts";

/**
 * The curated directory-rename scenarios again in strict mode: kernel redirect_dir=off,
 * union renameDir "exdev", renames as bare rename(2) (mv would fall back to copying).
 */
export function strictTwins(list: readonly Scenario[]): Scenario[] {
  return list.filter((s) => s.redirectDir).map((s) => ({
    ...s,
    name: `${s.name} [strict twin: renameDir "exdev", redirect_dir=off]`,
    redirectDir: false,
    unionOptions: { ...s.unionOptions, renameDir: "exdev" as const },
    steps: s.steps.map((st) => (st.op === "mv" ? { ...st, raw: true } : st)),
  }));
}

export function allScenarios(scale = 1): Scenario[] {
  return [
    ...curated,
    ...strictTwins(curated),
    ...randomScenarios(12 * scale), ...randomScenarios(8 * scale, 5000, "deep"),
    ...randomScenarios(6 * scale, 300000, "strict", true), ...randomScenarios(4 * scale, 400000, "deep", true),
    ...randomScenarios(4 * scale, 500000, "strict", true, { rootOpaque: true, maxLayers: 4 }),
    ...randomScenarios(2 * scale, 600000, "deep", true, { rootOpaque: true, maxLayers: 4 }),
  ];
}

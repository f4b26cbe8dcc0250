// Debug helper: run the scenarios whose name contains a substring on the kernel and on
// layerfs and print both sides (steps, merged tree, upper layer) with a diff marker.
//   npx tsx test/oracle/show.ts "deep rename"        (as root)
//   npx tsx test/oracle/show.ts "generated scenario 7 "   (LAYERFS_ORACLE_RANDOM=N: more generated)
import {
  buildLowers, dropNoOpOpaques, lowerDirectories, normalize, oracleUnavailable, runKernel, runUnion,
} from "./harness.ts";
import { allScenarios, reservedNameScenarios } from "./all.ts";

const pattern = process.argv[2] ?? "";
const why = await oracleUnavailable();
if (why) {
  console.log(`cannot run: ${why}`);
  process.exit(2);
}
const all = [...allScenarios(Number(process.env.LAYERFS_ORACLE_RANDOM ?? 1) || 1), ...reservedNameScenarios];
const since = Math.floor(Date.now() / 1000) - 1;
const shortSha = (lines: string[]) => lines.map((l) => l.replace(/\t([0-9a-f]{12})[0-9a-f]{52}\t/, "\t$1…\t"));

for (const scn of all.filter((s) => s.name.includes(pattern))) {
  const lowers = buildLowers(scn);
  const kernel = await runKernel(scn, lowers);
  const union = await runUnion(scn, lowers);
  if (scn.redirectDir) {
    const dirs = lowerDirectories(lowers);
    kernel.upper = dropNoOpOpaques(kernel.upper, dirs);
    union.upper = dropNoOpOpaques(union.upper, dirs);
  }
  console.log(`=== ${scn.name}`);
  console.log(`lowers (bottom first): ${JSON.stringify(scn.lowers)}`);
  console.log(`steps: ${JSON.stringify(scn.steps)}`);
  console.log(`kernel exit ${kernel.status}; check: ${kernel.check.join(" ")}`);
  console.log(`kernel steps: ${JSON.stringify(kernel.steps)}`);
  console.log(`union  steps: ${JSON.stringify(union.steps)}`);
  for (const [title, k, u] of [["merged", kernel.merged, union.merged], ["upper", kernel.upper, union.upper]] as const) {
    const kl = shortSha(normalize(k, since, true));
    const ul = shortSha(normalize(u, since, true));
    console.log(`--- ${title} (kernel | union; "!" marks a difference)`);
    for (const line of new Set([...kl, ...ul])) {
      const mark = kl.includes(line) && ul.includes(line) ? "  " : kl.includes(line) ? "K!" : "U!";
      console.log(`${mark} ${line}`);
    }
  }
}

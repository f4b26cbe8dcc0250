// Interleave two bundles of wasi-calls.mts in one process, batch by batch:
//   node wasi-calls-ab.mjs A.mjs B.mjs host:DIR|tar:FILE [stat|openClose|readdir] [ROUNDS]
// Prints min and median ns per call of each build and their ratios (the machine is shared: min is the steadier figure).
const [a, b, spec, which = "stat", roundsArg = "40"] = process.argv.slice(2);
const builds = [await import(a), await import(b)].map((m) => m.setup(spec));
const n = which === "stat" ? builds[0].files : builds[0].dirs * 4;
const times = [[], []];
for (let r = 0; r < Number(roundsArg); r++) {
  for (const k of r % 2 === 0 ? [0, 1] : [1, 0]) {
    const fn = builds[k][which];
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
    times[k].push(Number(process.hrtime.bigint() - t0) / n);
  }
}
const sorted = times.map((t) => [...t].sort((x, y) => x - y));
const min = sorted.map((s) => s[0]), med = sorted.map((s) => s[s.length >> 1]);
console.log(`${which}: min A ${min[0].toFixed(0)} B ${min[1].toFixed(0)} ns (B/A ${(min[1] / min[0]).toFixed(3)}), median A ${med[0].toFixed(0)} B ${med[1].toFixed(0)} ns (B/A ${(med[1] / med[0]).toFixed(3)})`);

// Summarise a V8 .cpuprofile: self and inclusive time by function (file:line), top N.
// usage: node bench/tools/prof-top.mjs FILE.cpuprofile [N]
import { readFileSync } from "node:fs";
const [file, nArg] = process.argv.slice(2);
const prof = JSON.parse(readFileSync(file, "utf8"));
const n = Number(nArg ?? 25);
const byId = new Map(prof.nodes.map((x) => [x.id, x]));
const self = new Map();
const dt = prof.timeDeltas;
const hits = new Map();
prof.samples.forEach((id, i) => hits.set(id, (hits.get(id) ?? 0) + (dt[i] ?? 0)));
const key = (node) => {
  const f = node.callFrame;
  const url = f.url.replace(/^file:\/\/\/work\/main\//, "").replace(/.*node_modules\//, "nm/");
  return `${f.functionName || "(anon)"} ${url}:${f.lineNumber + 1}`;
};
const parent = new Map();
for (const node of prof.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
const incl = new Map();
for (const [id, t] of hits) {
  const node = byId.get(id);
  self.set(key(node), (self.get(key(node)) ?? 0) + t);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(byId.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + t);
  }
}
const total = [...hits.values()].reduce((a, b) => a + b, 0);
const show = (m, title) => {
  console.log(`-- ${title} (total ${(total / 1000).toFixed(0)} ms)`);
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${(t / 1000).toFixed(1).padStart(8)} ms ${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
};
show(self, "self");
show(incl, "inclusive");

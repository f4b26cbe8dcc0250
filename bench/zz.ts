import { fileSource } from "../src/host/node.ts";
import { indexTar } from "../src/mod.ts";
for (const p of process.argv.slice(2)) {
  const r: number[] = [];
  for (let i = 0; i < 8; i++) {
    const s = fileSource(p);
    let reads = 0;
    const orig = s.read.bind(s);
    s.read = (a, b) => { reads++; return orig(a, b); };
    const t = performance.now();
    const ix = indexTar(s);
    r.push(performance.now() - t);
    s.close();
    if (i === 7) console.log(p, ix.entries, "entries", reads, "reads", Math.min(...r).toFixed(1), "ms min");
  }
}

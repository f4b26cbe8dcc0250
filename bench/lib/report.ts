/** Result rows, the printed table and bench/results.json. */
import { writeFileSync } from "node:fs";

export interface Row {
  /** "2a", "3/churn", ... */
  id: string;
  /** What was measured, under which runtime. */
  what: string;
  value: number;
  unit: string;
  /** The peer figure this row is compared with (same run). */
  peer?: { name: string; value: number; unit: string };
  /** value / peer (or the ratio the target speaks about). */
  ratio?: number;
  /** Human-readable target, e.g. "≤ 20 µs" or "≤ 1.2× 1-layer". */
  target?: string;
  /** undefined: informational row without a target. */
  pass?: boolean;
  note?: string;
  /** Raw timed runs (JSON only). */
  samples?: number[];
  peerSamples?: number[];
}

export const rows: Row[] = [];

export function add(row: Row): Row {
  rows.push(row);
  const line = format(row);
  console.log(line);
  return row;
}

export function fmt(v: number, unit: string): string {
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : Math.abs(v) >= 1 ? 2 : 3;
  return `${v.toFixed(digits)} ${unit}`.trim();
}

function ratioText(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 0.01 ? x.toFixed(2) : x.toPrecision(2);
}

function format(r: Row): string {
  const cols = [
    r.id.padEnd(9),
    r.what.padEnd(68),
    fmt(r.value, r.unit).padStart(15),
    (r.peer ? `${r.peer.name} ${fmt(r.peer.value, r.peer.unit)}` : "").padEnd(34),
    (r.ratio !== undefined ? `${ratioText(r.ratio)}×` : "").padStart(8),
    (r.target ?? "").padEnd(30),
    r.pass === undefined ? "" : r.pass ? "PASS" : "MISS",
  ];
  return cols.join(" ") + (r.note ? `  (${r.note})` : "");
}

export function header(title: string): void {
  console.log(`\n== ${title}`);
  console.log(
    ["id".padEnd(9), "measure".padEnd(68), "figure".padStart(15), "peer (same run)".padEnd(34), "ratio".padStart(8), "target".padEnd(30), "result"].join(" "),
  );
}

export function summary(): { pass: number; miss: number } {
  const pass = rows.filter((r) => r.pass === true).length;
  const miss = rows.filter((r) => r.pass === false).length;
  console.log(`\n${pass} PASS, ${miss} MISS`);
  for (const r of rows.filter((x) => x.pass === false)) console.log(`  MISS ${r.id} ${r.what}: ${fmt(r.value, r.unit)} (target ${r.target})`);
  return { pass, miss };
}

export function writeResults(path: string, meta: Record<string, unknown>): void {
  writeFileSync(path, JSON.stringify({ ...meta, rows }, null, 2) + "\n");
  console.log(`results: ${path}`);
}

/** Text formatting shared by ls and tree. */
import type { Stat } from "../../core/union.ts";

const TYPE_CHAR = { file: "-", dir: "d", symlink: "l" } as const;

/** "drwxr-xr-x"-style type and permission string (with setuid/setgid/sticky). */
export function modeString(stat: Pick<Stat, "type" | "mode">): string {
  const m = stat.mode;
  const rwx = (shift: number, special: boolean, specialChar: string) => {
    const x = (m >> shift) & 1;
    const exec = special ? (x ? specialChar : specialChar.toUpperCase()) : x ? "x" : "-";
    return ((m >> (shift + 2)) & 1 ? "r" : "-") + ((m >> (shift + 1)) & 1 ? "w" : "-") + exec;
  };
  return TYPE_CHAR[stat.type] + rwx(6, (m & 0o4000) !== 0, "s") + rwx(3, (m & 0o2000) !== 0, "s") +
    rwx(0, (m & 0o1000) !== 0, "t");
}

/** "YYYY-MM-DD HH:MM" in UTC (stable across machines, unlike local time). */
export function timeString(ns: bigint): string {
  const d = new Date(Number(ns / 1_000_000n));
  return Number.isNaN(d.getTime()) ? "????-??-?? ??:??" : d.toISOString().slice(0, 16).replace("T", " ");
}

/** Join a union directory path and a name. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/** Right-align columns of cells (the last column is left as is). */
export function alignColumns(rows: string[][], rightAligned: ReadonlySet<number>): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row.map((cell, i) =>
      i === row.length - 1 ? cell : rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)
    ).join(" ")
  );
}

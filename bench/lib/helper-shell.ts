/**
 * One shell, forked once, that runs the bench's commands (mounts, fresh
 * processes): a spawn from this process forks it, and its next writes to
 * every page it holds then take a copy-on-write fault each (a layerfs run
 * right after a kernel run paid them: +0.2 ms on a 4 KiB pwrite, +200 ms on a
 * 64 MiB write into pooled chunks).
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { removeTree } from "./trees.ts";

/** The helper shell: one command per line in, its exit status per line out (FIFOs, so calls stay synchronous). */
let helper: { cmd: number; res: number; out: string; err: string } | undefined;

const quote = (a: string): string => `'${a.replaceAll("'", `'\\''`)}'`;

/** Run `argv` in the helper shell: its exit status, stdout and stderr. */
export function inHelperShell(argv: readonly string[]): { status: number; stdout: string; stderr: string } {
  if (helper === undefined) {
    const dir = mkdtempSync(`${tmpdir()}/layerfs-helper-`);
    const fifos = spawnFifos(dir);
    const out = `${dir}/out`;
    const err = `${dir}/err`;
    const loop = `exec 3<"${fifos.cmd}" 4>"${fifos.res}"; while IFS= read -r line <&3; do eval "$line" >"${out}" 2>"${err}" </dev/null; echo $? >&4; done`;
    spawn("sh", ["-c", loop], { stdio: "ignore", detached: false }).unref();
    const cmd = openSync(fifos.cmd, "w");
    const res = openSync(fifos.res, "r");
    helper = { cmd, res, out, err };
    process.on("exit", () => { closeSync(cmd); closeSync(res); removeTree(dir); });
  }
  writeSync(helper.cmd, argv.map(quote).join(" ") + "\n");
  let line = "";
  const b = Buffer.alloc(64);
  while (!line.endsWith("\n")) {
    const n = readSync(helper.res, b, 0, b.length, null);
    if (n === 0) throw new Error("the bench's helper shell exited");
    line += b.toString("utf8", 0, n);
  }
  return { status: Number(line.trim()), stdout: readFileSync(helper.out, "utf8"), stderr: readFileSync(helper.err, "utf8") };
}

/** The command and result FIFOs (made by mkfifo, the one spawn before the shell). */
function spawnFifos(dir: string): { cmd: string; res: string } {
  const cmd = `${dir}/cmd`;
  const res = `${dir}/res`;
  const mk = spawnSync("mkfifo", [cmd, res]);
  if (mk.status !== 0) throw new Error(`mkfifo failed: ${String(mk.stderr).trim()}`);
  return { cmd, res };
}

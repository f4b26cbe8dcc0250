// Issue 11 item 2: a writable DirLayer holds a lock while open, like kernel overlayfs refusing
// a second mount of an upper in use. Real processes: Node and Deno holders (test/host/fixtures/
// lock-holder.ts) block the opener in this process (Node in the Node pass, Deno in the Deno
// pass, so every pairing is covered), a SIGKILLed holder's lock is recovered, a lock whose pid
// was reused is recovered, the lock goes at process exit, and of racing openers exactly one wins.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import { LayerInUseError } from "../../src/layers/dir/mod.ts";
import { skipReason } from "../support/index.ts";
import { cleanup, fsForSetup as fs, hostFs, IN_DENO, pathForSetup as path, tempDir } from "./helpers.ts";

const ROOT = path.resolve(import.meta.dirname ?? ".", "../..");
const HOLDER = path.join(ROOT, "test/host/fixtures/lock-holder.ts");
const DENO = path.join(ROOT, "node_modules/.bin/deno");

const bases: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  bases.forEach(cleanup);
});

function upperDir(): string {
  const base = tempDir("layerfs-lock-");
  bases.push(base);
  fs.mkdirSync(`${base}/upper`);
  return `${base}/upper`;
}

type Kind = "node" | "deno";

function holderCommand(kind: Kind, upper: string, mode: string): [string, string[]] {
  return kind === "node"
    ? ["node", ["--import", "tsx", HOLDER, upper, mode]]
    : [DENO, ["run", "-A", "--node-modules-dir=manual", HOLDER, upper, mode]];
}

/** Start a holder and resolve once it printed its first line ("locked PID"). */
function startHolder(kind: Kind, upper: string, mode: "hold" | "exit"): Promise<{ child: ChildProcess; pid: number; done: Promise<number> }> {
  const [cmd, args] = holderCommand(kind, upper, mode);
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  const done = new Promise<number>((r) => child.on("exit", (code) => r(code ?? -1)));
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (d) => (err += String(d)));
    child.stdout!.on("data", (d) => {
      out += String(d);
      const m = /^locked (\d+)$/m.exec(out);
      if (m) resolve({ child, pid: Number(m[1]), done });
    });
    child.on("exit", (code) => reject(new Error(`${kind} holder exited (${code}) before locking: ${out}${err}`)));
  });
}

/** Run the holder in "try" mode; resolves to its one line ("got PID" / "busy PID"). */
function tryOpen(kind: Kind, upper: string, at?: number): Promise<string> {
  const [cmd, args] = holderCommand(kind, upper, "try");
  if (at !== undefined) args.push(String(at));
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += String(d)));
  child.stderr!.on("data", (d) => (err += String(d)));
  return new Promise((resolve, reject) => child.on("exit", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`${kind} try failed (${code}): ${out}${err}`)))));
}

function openerError(upper: string): LayerInUseError {
  try {
    new DirLayer(hostFs(), upper, { writable: true }).close();
  } catch (e) {
    if (e instanceof LayerInUseError) return e;
    throw e;
  }
  throw new Error("the second opener got the layer");
}

const lockDir = (upper: string) => path.join(path.dirname(upper), `.${path.basename(upper)}.layerfs-lock`);

describe(`writable DirLayer lock (opener: ${IN_DENO ? "Deno" : "Node"})`, () => {
  for (const kind of ["node", "deno"] as const) {
    it(`a ${kind} holder blocks this process with an error naming the upper and its pid; SIGKILL leaves a lock that is recovered`, async () => {
      const upper = upperDir();
      const h = await startHolder(kind, upper, "hold");
      const e = openerError(upper);
      expect(e.errno).toBe(Errno.BUSY);
      expect(e.holder.pid).toBe(h.pid);
      expect(e.message).toContain(`'${upper}' is in use by pid ${h.pid}`);
      h.child.kill("SIGKILL");
      await h.done;
      expect(fs.readdirSync(lockDir(upper))).toEqual([expect.stringMatching(new RegExp(`^${h.pid}\\.`))]); // left behind
      const layer = new DirLayer(hostFs(), upper, { writable: true });
      layer.createFile("after", { mode: 0o644 });
      expect(fs.readdirSync(lockDir(upper))).toHaveLength(1); // ours only: the stale one is gone
      layer.close();
      expect(fs.existsSync(lockDir(upper))).toBe(false);
      expect(thrownErrno(() => layer.createFile("closed", { mode: 0o644 }))).toBe(Errno.BADF);
    });

    it(`this process's lock blocks a ${kind} opener, and is released by close()`, async () => {
      const upper = upperDir();
      const layer = new DirLayer(hostFs(), upper, { writable: true });
      const me = (globalThis as { Deno?: { pid: number } }).Deno?.pid ?? process.pid;
      expect(await tryOpen(kind, upper)).toBe(`busy ${me}`);
      layer.close();
      expect(await tryOpen(kind, upper)).toMatch(/^got \d+$/);
    });

    it(`a ${kind} holder that ends without closing gives the lock back at exit`, async () => {
      const upper = upperDir();
      const h = await startHolder(kind, upper, "exit");
      expect(await h.done).toBe(0);
      expect(fs.existsSync(lockDir(upper))).toBe(false);
      new DirLayer(hostFs(), upper, { writable: true }).close();
    });
  }

  it("a second opener in the same process is refused too; a read-only opener is not", () => {
    const upper = upperDir();
    const first = new DirLayer(hostFs(), upper, { writable: true });
    expect(openerError(upper).holder.pid).toBe((globalThis as { Deno?: { pid: number } }).Deno?.pid ?? process.pid);
    new DirLayer(hostFs(), upper).close(); // a lower view never locks
    new DirLayer(hostFs(), upper, { writable: true, lock: false }).close(); // shared on purpose
    first.close();
    new DirLayer(hostFs(), upper, { writable: true }).close();
  });

  it.skipIf(skipReason(fs.existsSync("/proc/1/stat") ? undefined : "no /proc (start times are Linux-only)"))("a lock of a pid now used by another process (a different start time) is stale", () => {
    const upper = upperDir();
    fs.mkdirSync(lockDir(upper));
    const self = hostFs().processes!.self();
    // pid 1 as it is (its real boot id and start time, field 22 of /proc/1/stat): a live holder.
    const bootId = self.start.slice(0, self.start.lastIndexOf(":"));
    const stat = fs.readFileSync("/proc/1/stat", "utf8");
    const pid1Start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    fs.writeFileSync(`${lockDir(upper)}/1.real`, JSON.stringify({ pid: 1, host: self.host, start: `${bootId}:${pid1Start}` }));
    expect(openerError(upper).holder.pid).toBe(1);
    // The same pid with another start time: a process that ended, its pid since reused. Stale.
    fs.rmSync(`${lockDir(upper)}/1.real`);
    fs.writeFileSync(`${lockDir(upper)}/1.reused`, JSON.stringify({ pid: 1, host: self.host, start: `${bootId}:${Number(pid1Start) + 1}` }));
    // A live process on another host is never judged dead.
    const layer = new DirLayer(hostFs(), upper, { writable: true });
    layer.close();
    fs.mkdirSync(lockDir(upper));
    fs.writeFileSync(`${lockDir(upper)}/7.remote`, JSON.stringify({ pid: 7, host: "elsewhere.example", start: "" }));
    expect(openerError(upper).message).toContain("in use by pid 7 on elsewhere.example");
  });

  it("of openers racing for one upper, exactly one gets it", async () => {
    const upper = upperDir();
    const at = Date.now() + 4000; // after every runtime has started (the winner holds 8 s)
    const lines = await Promise.all((["node", "deno", "node", "deno"] as const).map((k) => tryOpen(k, upper, at)));
    expect(lines.filter((l) => l.startsWith("got")), lines.join(", ")).toHaveLength(1);
    expect(fs.existsSync(lockDir(upper))).toBe(false);
  });
});

function thrownErrno(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { errno?: number }).errno;
  }
  return undefined;
}

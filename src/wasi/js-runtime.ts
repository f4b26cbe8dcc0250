/**
 * Which JavaScript runtime the WASI host runs in, found at run time through
 * globalThis (never a static node: or Deno import, so the same modules load
 * in browsers): the process's own streams and CPU clock where one exists.
 * Every probe of globalThis.Deno / globalThis.process in src/wasi is here.
 */

/** Deno's synchronous standard streams. */
export interface DenoStdio {
  stdin: { readSync(p: Uint8Array): number | null };
  stdout: { writeSync(p: Uint8Array): number };
  stderr: { writeSync(p: Uint8Array): number };
}

/** The node:fs calls stdio needs. */
export interface NodeFsLike {
  readSync(fd: number, buf: Uint8Array, off: number, len: number, pos: null): number;
  writeSync(fd: number, buf: Uint8Array, off: number, len: number): number;
}

/** What stdio uses of Node's process. */
export interface NodeProcessLike {
  getBuiltinModule?(id: string): unknown;
  stdout?: { write(chunk: Uint8Array): unknown };
  stderr?: { write(chunk: Uint8Array): unknown };
}

interface ProcessGlobal extends NodeProcessLike {
  versions?: { node?: string };
  cpuUsage?(): { user: number; system: number };
}

/** Deno's streams, when running in Deno. */
export function denoStdio(): DenoStdio | undefined {
  const d = (globalThis as { Deno?: DenoStdio }).Deno;
  return d && typeof d.stdout?.writeSync === "function" ? d : undefined;
}

/** Node's process (a runtime that reports a Node version), else undefined. */
export function nodeProcess(): NodeProcessLike | undefined {
  const p = (globalThis as { process?: ProcessGlobal }).process;
  return p && p.versions?.node ? p : undefined;
}

/** node:fs through process.getBuiltinModule (Node >= 20.16), else undefined. */
export function nodeFs(): NodeFsLike | undefined {
  const fs = nodeProcess()?.getBuiltinModule?.("node:fs") as NodeFsLike | undefined;
  return fs && typeof fs.writeSync === "function" ? fs : undefined;
}

/** The process's CPU time (user + system) in microseconds, where a Node-like process.cpuUsage gives it. */
export function processCpuMicros(): number | undefined {
  const p = (globalThis as { process?: ProcessGlobal }).process;
  if (p && typeof p.cpuUsage === "function") {
    try {
      const u = p.cpuUsage();
      return u.user + u.system;
    } catch { /* Deno may refuse */ }
  }
  return undefined;
}

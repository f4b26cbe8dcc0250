/**
 * WasiHost: the preview1 import object over a Union plus the start/initialize
 * protocol, for callers that instantiate modules themselves (reactors, custom
 * imports). run() in run.ts is the one-call form for commands.
 */
import { Union } from "../core/union.ts";
import { WasiExit } from "./calls/process.ts";
import { Dispatcher } from "./dispatcher.ts";
import type { Preview1Imports } from "./preview1.ts";
import type { Preopen } from "./dispatcher.ts";
import { makeSink, makeSource } from "./stdio.ts";
import type { OutputSink, StdinOption, StdoutOption } from "./stdio.ts";

/** A preopen target: a union (its root) or a directory inside one. */
export type PreopenTarget = Union | { union: Union; path?: string };

/** Options of `createWasi` / `new WasiHost` (and, with `union` required, of `run`). */
export interface WasiOptions {
  /**
   * The union the guest sees as "/" (preopened at fd 3 under the name "/").
   * Without one the guest gets no "/" preopen (only `preopens`, if any), as
   * wasmtime without --dir: fd 3 is then EBADF.
   */
  union?: Union;
  /** argv, including argv[0] (default ["main.wasm"]). */
  args?: readonly string[];
  /** Environment variables: the guest's whole environment (nothing is added, except PWD from `cwd`). */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Guest working directory, given to the program as PWD (wasi-libc starts at
   * "/"; Go and others read PWD). Relative paths resolve through the "/" preopen.
   * Without it no PWD is added.
   */
  cwd?: string;
  /** Default "inherit": the process's stdin in Node/Deno, empty in browsers. */
  stdin?: StdinOption;
  /** Default "inherit": the process's stdout in Node/Deno, console.log in browsers. */
  stdout?: StdoutOption;
  /** Default "inherit": the process's stderr in Node/Deno, console.error in browsers. */
  stderr?: StdoutOption;
  /** More preopens after "/", by guest path: `{ "/data": union }` or `{ "/etc": { union, path: "/etc" } }`. */
  preopens?: Readonly<Record<string, PreopenTarget>>;
  /** Errno for path arguments that leave their directory fd (default ENOTCAPABLE; EPERM is the other common choice). */
  escapeErrno?: number;
  /**
   * Let path_symlink create symlinks with an absolute target (container-style).
   * Default false: EPERM, as the WASI filesystem spec says for symlink-at and
   * conforming runtimes do. Absolute symlinks already in a layer always
   * resolve inside the union (SEMANTICS.md rule 14), and Union.symlink accepts them.
   */
  allowAbsoluteSymlinks?: boolean;
}

interface InstanceLike {
  exports: Record<string, unknown>;
}

function preopenOf(name: string, target: PreopenTarget): Preopen {
  const union = target instanceof Union ? target : target.union;
  const path = target instanceof Union ? "/" : target.path ?? "/";
  return { name, union, path: path === "/" ? "/" : union.realpath(path) };
}

function envList(options: WasiOptions): string[] {
  const env: Record<string, string | undefined> = { ...options.env };
  if (options.cwd !== undefined) {
    if (!options.cwd.startsWith("/")) throw new TypeError(`cwd must be an absolute guest path, got ${options.cwd}`);
    env.PWD = options.cwd;
  }
  return Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
}

/** See createWasi(). One host runs one instance. */
export class WasiHost {
  /** Pass to WebAssembly.instantiate (merge with your own imports). */
  readonly imports: { wasi_snapshot_preview1: Preview1Imports };
  readonly dispatcher: Dispatcher;
  private readonly sinks: OutputSink[];
  private started = false;

  constructor(options: WasiOptions = {}) {
    const preopens: Preopen[] = [];
    if (options.union !== undefined) preopens.push({ name: "/", union: options.union, path: "/" });
    for (const [name, target] of Object.entries(options.preopens ?? {})) preopens.push(preopenOf(name, target));
    const stdout = makeSink(options.stdout, 1);
    const stderr = makeSink(options.stderr, 2);
    this.sinks = [stdout, stderr];
    this.dispatcher = new Dispatcher({
      args: options.args ?? ["main.wasm"],
      env: envList(options),
      stdin: makeSource(options.stdin),
      stdout,
      stderr,
      preopens,
      ...(options.escapeErrno !== undefined ? { escapeErrno: options.escapeErrno } : {}),
      allowAbsoluteSymlinks: options.allowAbsoluteSymlinks === true,
    });
    this.imports = { wasi_snapshot_preview1: this.dispatcher.imports };
  }

  private bind(instance: InstanceLike): void {
    const memory = instance.exports.memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new Error("WASI module does not export its memory as \"memory\"");
    this.dispatcher.setMemory(memory);
    this.openPreopens();
  }

  /**
   * Resolve each preopened directory before the guest runs, as other hosts
   * open theirs at setup (node:wasi, wasmtime): the union's first lookup (its
   * state, each layer's root) is then not part of the guest's first call. A
   * failure is left for the guest's own calls to report, as they did before.
   */
  private openPreopens(): void {
    for (const [, h] of this.dispatcher.fds.entries()) {
      if (h.kind !== "dir") continue;
      try { h.union.stat(h.path); } catch { /* the guest's first call there reports it */ }
    }
  }

  /** Run a command's `_start`; returns the exit code (proc_exit's, or 0 when _start returns). Traps propagate. */
  start(instance: InstanceLike): number {
    if (this.started) throw new Error("WasiHost.start: this host already started an instance");
    this.started = true;
    this.bind(instance);
    const start = instance.exports._start;
    if (typeof start !== "function") throw new Error("WASI command has no _start export");
    if (instance.exports._initialize !== undefined) throw new Error("module exports both _start and _initialize");
    try {
      (start as () => void)();
      return 0;
    } catch (e) {
      if (e instanceof WasiExit) return e.code;
      throw e;
    }
  }

  /** Prepare a reactor: bind its memory and call `_initialize` if it has one. */
  initialize(instance: InstanceLike): void {
    if (this.started) throw new Error("WasiHost.initialize: this host already started an instance");
    this.started = true;
    this.bind(instance);
    const init = instance.exports._initialize;
    if (init !== undefined) {
      if (typeof init !== "function") throw new Error("_initialize export is not a function");
      (init as () => void)();
    }
  }

  /**
   * Close every file and directory the guest still has open, as a process's
   * descriptors go at its exit (each open host file holds a host descriptor).
   * `run()` does this when the program ends; call it after `start()` when
   * instantiating yourself. The descriptor numbers stay taken (later calls: EBADF).
   */
  closeFiles(): void {
    for (const [, h] of this.dispatcher.fds.entries()) {
      if (h.kind === "stdio") continue;
      try { h.file?.close(); } catch { /* closing anyway */ }
    }
  }

  /** Wait for output given to stream-like stdout/stderr to be delivered. */
  async flush(): Promise<void> {
    for (const s of this.sinks) await s.flush?.();
  }
}

/**
 * The preview1 import object plus start/initialize, for custom instantiation.
 *
 * @example
 * const wasi = createWasi({ union, args: ["prog"], stdout: (b) => chunks.push(b) });
 * const { instance } = await WebAssembly.instantiate(module, { ...wasi.imports, env: myEnv });
 * const code = wasi.start(instance); // or wasi.initialize(instance) for a reactor
 * await wasi.flush();
 */
export function createWasi(options: WasiOptions = {}): WasiHost {
  return new WasiHost(options);
}

export { WasiExit };

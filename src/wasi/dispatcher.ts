/**
 * The wasi_snapshot_preview1 import table over a Union: the guest's
 * descriptor table (stdio, then the preopens from fd 3) and memory, and the
 * typed table of calls (calls/*.ts) each wrapped so that it returns an errno
 * and never throws into the guest (FsError -> its errno, RangeError from a
 * bad pointer -> EFAULT, anything else -> EIO), except proc_exit, which
 * throws WasiExit for the host to catch.
 */
import { Errno } from "../core/errno.ts";
import type { Union } from "../core/union.ts";
import { PREVIEW1_FUNCTIONS } from "./abi.ts";
import type { Preview1Function } from "./abi.ts";
import { fdDataCalls } from "./calls/fd-data.ts";
import { fdCalls } from "./calls/fd.ts";
import type { Guest } from "./calls/guest.ts";
import { pathCalls } from "./calls/path.ts";
import { callErrno, processCalls } from "./calls/process.ts";
import { FdTable } from "./fd-table.ts";
import type { StdioDescriptor } from "./fd-table.ts";
import { GuestMemory } from "./guest-memory.ts";
import type { Preview1Imports } from "./preview1.ts";
import { DIR_INHERITING, DIR_RIGHTS, STDIN_RIGHTS, STDOUT_RIGHTS } from "./rights.ts";
import type { InputSource, OutputSink } from "./stdio.ts";

/** A directory made visible to the guest under `name` (e.g. "/"), rooted at `path` of `union`. */
export interface Preopen {
  name: string;
  union: Union;
  /** Absolute union path of the directory ("/" for the union root). */
  path: string;
}

export interface DispatcherOptions {
  /** argv including argv[0]. */
  args: readonly string[];
  /** "KEY=value" strings. */
  env: readonly string[];
  stdin: InputSource;
  stdout: OutputSink;
  stderr: OutputSink;
  /** In fd order from 3. */
  preopens: readonly Preopen[];
  /** Errno for a path argument that leaves its directory fd (default ENOTCAPABLE; the official suite also accepts EPERM). */
  escapeErrno?: number;
  /** Let path_symlink store absolute targets (default false: EPERM, the WASI filesystem spec's answer). */
  allowAbsoluteSymlinks?: boolean;
}

const encoder = new TextEncoder();

export class Dispatcher implements Guest {
  readonly fds = new FdTable();
  readonly memory = new GuestMemory();
  readonly escapeErrno: number;
  readonly allowAbsoluteSymlinks: boolean;
  /** The wasm import table, keyed by preview1 name. */
  readonly imports: Preview1Imports;

  constructor(options: DispatcherOptions) {
    this.escapeErrno = options.escapeErrno ?? Errno.NOTCAPABLE;
    this.allowAbsoluteSymlinks = options.allowAbsoluteSymlinks === true;
    const stdio = (input: InputSource | undefined, output: OutputSink | undefined, rights: number): StdioDescriptor =>
      ({ kind: "stdio", input, output, rightsBase: rights, rightsInheriting: 0, fdflags: 0 });
    this.fds.set(0, stdio(options.stdin, undefined, STDIN_RIGHTS));
    this.fds.set(1, stdio(undefined, options.stdout, STDOUT_RIGHTS));
    this.fds.set(2, stdio(undefined, options.stderr, STDOUT_RIGHTS));
    let fd = 3;
    for (const p of options.preopens) {
      this.fds.set(fd++, {
        kind: "dir", union: p.union, path: p.path, file: undefined, preopen: encoder.encode(p.name),
        listing: undefined, rightsBase: DIR_RIGHTS, rightsInheriting: DIR_INHERITING, fdflags: 0,
      });
    }
    const args = options.args.map((a) => encoder.encode(a + "\0"));
    const env = options.env.map((e) => encoder.encode(e + "\0"));
    // The data calls guard themselves (calls/fd-data.ts: no closure per guest on the hottest path).
    this.imports = { ...guardAll({ ...processCalls(this, args, env), ...fdCalls(this), ...pathCalls(this) }), ...fdDataCalls(this) };
  }

  /** Attach the guest's memory (done by WasiHost.start/initialize; tests may pass their own). */
  setMemory(memory: WebAssembly.Memory): void {
    this.memory.attach(memory);
  }
}

type Call = (a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown, f?: unknown, g?: unknown, h?: unknown, i?: unknown) => number;

type Guarded = Exclude<Preview1Function, "fd_read" | "fd_pread" | "fd_write" | "fd_pwrite">;

/** Every call of `calls`, returning an errno for whatever it throws except WasiExit. */
function guardAll(calls: Pick<Preview1Imports, Guarded>): Pick<Preview1Imports, Guarded> {
  const table: Partial<Record<Guarded, Call>> = {};
  for (const name of PREVIEW1_FUNCTIONS) if (name in calls) table[name as Guarded] = guarded(calls[name as Guarded] as Call);
  return table as Pick<Preview1Imports, Guarded>;
}

function guarded(call: Call): Call {
  // Fixed arity (preview1 calls take at most 9 arguments): no rest-array allocation per call.
  return (a, b, c, d, e, f, g, h, i) => {
    try {
      return call(a, b, c, d, e, f, g, h, i);
    } catch (err) {
      return callErrno(err);
    }
  };
}

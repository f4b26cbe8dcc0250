/**
 * The failure list of one checkLayer run, and the ways a check records into it:
 * a plain failure, an unexpected exception, a wrong (or missing) errno, a
 * step that leaked host descriptors. Shared by the walk and the mutation suite.
 */
import { ERRNO_CODES, isFsError } from "../core/errno.ts";
import type { Layer } from "../core/layer.ts";

/** Options of `checkLayer` / `layerProblems`. */
export interface CheckLayerOptions {
  /** Paths (layer-relative) that must exist; a trailing "/" requires a directory. */
  expected?: readonly string[];
  /** Run the mutation suite. Default: `isWritableLayer(layer)`. */
  writable?: boolean;
  /** Name of the scratch directory for the mutation suite (default ".check-layer-scratch"). Must not exist. */
  scratch?: string;
  /** Bytes of each file compared in the read checks (default 1 MiB): huge files stay cheap. */
  maxReadBytes?: number;
  /** Also check setattr of uid/gid (default true; host layers not running as root turn it off). */
  owners?: boolean;
  /**
   * How many host descriptors are open now (e.g. `() => faultFs.openCount`
   * for a layer over a FaultFs). When given, the walk and every mutation step
   * must leave the count where it was: a layer keeps no descriptor once its
   * files are closed (beyond a bounded pool that `layer.close()` empties).
   */
  openDescriptors?: () => number;
}

/** What one checkLayer run found, and the helpers that record into it. */
export class Report {
  readonly failures: string[] = [];
  readonly layer: Layer;
  readonly options: CheckLayerOptions;
  /** Bytes of each file compared in the read checks. */
  readonly maxRead: number;

  constructor(layer: Layer, options: CheckLayerOptions) {
    this.layer = layer;
    this.options = options;
    this.maxRead = options.maxReadBytes ?? 1 << 20;
  }

  /** Record a problem (the suite goes on; checkLayer throws them all at the end). */
  problem(path: string, message: string): void {
    this.failures.push(`${JSON.stringify(path)}: ${message}`);
  }

  /** Run `fn`; with options.openDescriptors, fail if it left more host descriptors open than before. */
  keepsNoDescriptors<T>(what: string, fn: () => T): T {
    const count = this.options.openDescriptors;
    if (count === undefined) return fn();
    const before = count();
    const out = fn();
    let after = count();
    if (after > before && this.layer.close !== undefined) {
      // A bounded pool of the layer's own is fine, as long as close() gives it back.
      this.guard("close", () => this.layer.close!());
      after = count();
    }
    if (after > before) this.problem("", `${what} left ${after - before} host descriptor(s) open`);
    return out;
  }

  /** Run `fn`, turning an unexpected exception into a failure. */
  guard<T>(what: string, fn: () => T, path = ""): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.problem(path, `${what}: unexpected ${describe(e)}`);
      return undefined;
    }
  }

  /** Expect `fn` to throw an FsError with one of `errnos`. */
  expectErr(path: string, what: string, errnos: number | readonly number[], fn: () => unknown): void {
    const want = typeof errnos === "number" ? [errnos] : errnos;
    try {
      fn();
    } catch (e) {
      if (!isFsError(e)) {
        this.problem(path, `${what}: threw a non-FsError ${describe(e)}, want ${want.map(code).join("/")}`);
      } else if (!want.includes(e.errno)) {
        this.problem(path, `${what}: got ${code(e.errno)}, want ${want.map(code).join("/")}`);
      }
      return;
    }
    this.problem(path, `${what}: succeeded, want ${want.map(code).join("/")}`);
  }
}

export function code(errno: number): string {
  return ERRNO_CODES[errno] ?? `errno ${errno}`;
}
export function oct(n: number): string {
  return "0o" + n.toString(8);
}
export function fmtList(xs: readonly string[]): string {
  return "[" + xs.map((x) => JSON.stringify(x)).join(", ") + "]";
}
export function describe(e: unknown): string {
  if (isFsError(e)) return `${e.code} (${e.message})`;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

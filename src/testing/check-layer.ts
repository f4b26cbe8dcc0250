/**
 * Layer conformance checker, in the spirit of Go's `testing/fstest.TestFS`:
 * one function every layer kind must pass, in every runtime. It uses only the
 * Layer / WritableLayer interfaces, so it runs unchanged against MemoryLayer,
 * TarLayer, DirLayer and any layer written later.
 *
 * Two suites: the read-only walk of the whole tree (walk.ts), and, for a
 * WritableLayer (or `options.writable`), the mutation suite inside a scratch
 * directory (mutations.ts). With `options.openDescriptors` (a count of the
 * host's open descriptors, e.g. FaultFs's openCount) every step must give back
 * what it took, and `layer.close()` what the layer keeps.
 *
 * Reporting: every failure is collected. `layerProblems()` returns them as a
 * list of strings (empty when the layer conforms); `checkLayer()` throws one
 * LayerCheckError listing them all.
 */
import { isWritableLayer } from "../core/layer.ts";
import type { Layer, WritableLayer } from "../core/layer.ts";
import { MutationSuite } from "./mutations.ts";
import { fmtList, Report } from "./report.ts";
import type { CheckLayerOptions } from "./report.ts";
import { ReadOnlyWalk } from "./walk.ts";

export type { CheckLayerOptions } from "./report.ts";

const MAX_MESSAGE_LINES = 200;

/** Thrown by checkLayer: `failures` lists every problem found (the message shows the first 200). */
export class LayerCheckError extends Error {
  readonly failures: readonly string[];
  constructor(failures: readonly string[]) {
    const shown = failures.length > MAX_MESSAGE_LINES ? [...failures.slice(0, MAX_MESSAGE_LINES), `... and ${failures.length - MAX_MESSAGE_LINES} more (see .failures)`] : failures;
    super(`layer check failed (${failures.length} problem${failures.length === 1 ? "" : "s"}):\n  ` + shown.join("\n  "));
    this.name = "LayerCheckError";
    this.failures = failures;
  }
}

/**
 * Check that `layer` behaves as the Layer (and WritableLayer) contract says.
 * Throws a LayerCheckError listing every failure; returns normally if none.
 *
 * @example
 * ```ts
 * import { checkLayer } from "layerfs/testing";
 * checkLayer(MemoryLayer.from({ "a/b": "x" }), { expected: ["a/", "a/b"] });
 * ```
 */
export function checkLayer(layer: Layer, options: CheckLayerOptions = {}): void {
  const failures = layerProblems(layer, options);
  if (failures.length > 0) throw new LayerCheckError(failures);
}

/** Like checkLayer, but returns the failures (empty list: the layer conforms). */
export function layerProblems(layer: Layer, options: CheckLayerOptions = {}): string[] {
  const report = new Report(layer, options);
  const walk = new ReadOnlyWalk(report);
  const rootBefore = report.keepsNoDescriptors("walk", () => report.guard("walk", () => walk.run())) ?? [];
  report.guard("expected", () => walk.checkExpected());
  const writable = options.writable ?? isWritableLayer(layer);
  if (!writable) return report.failures;
  if (!hasWritableMethods(layer)) {
    report.problem("", "options.writable is set but the layer lacks WritableLayer methods");
    return report.failures;
  }
  report.guard("mutations", () => new MutationSuite(report, layer).run());
  const rootAfter = report.guard("readdir after mutations", () => layer.readdir("").slice().sort());
  if (rootAfter && rootAfter.join("\0") !== rootBefore.join("\0")) {
    report.problem("", `root listing changed by the mutation suite: ${fmtList(rootBefore)} -> ${fmtList(rootAfter)}`);
  }
  return report.failures;
}

function hasWritableMethods(layer: Layer): layer is WritableLayer {
  const w = layer as Partial<WritableLayer>;
  return ["mkdir", "createFile", "createFileFrom", "symlink", "link", "unlink", "rmdir", "removeTree", "rename", "setattr", "openWrite"]
    .every((m) => typeof (w as Record<string, unknown>)[m] === "function");
}

/**
 * A progress bar for long work (image loads, layer copies; cli-progress, on
 * stderr), shown only when stderr is a terminal and only for steps big enough
 * to take a while (a cache hit shows nothing). Non-terminal runs print nothing.
 */
import type { LoadProgress } from "../oci/load.ts";
import type { CliRuntime } from "./runtime.ts";

export interface ProgressBar {
  /** `step` names what is being done ("layer 2/3 decompress"); bytes done of total. */
  update(step: string, done: number, total: number): void;
  stop(): void;
}

const MiB = 2 ** 20;
/** Steps smaller than this never show a bar (they take well under a second). */
const MIN_BYTES = 16 * MiB;

export async function progressBar(rt: CliRuntime, what: string): Promise<ProgressBar> {
  if (!rt.stderrIsTTY) return { update: () => {}, stop: () => {} };
  const { default: progress } = await import("cli-progress");
  const { default: process } = await import("node:process");
  let bar: InstanceType<typeof progress.SingleBar> | undefined;
  let current = "";
  return {
    update(step, done, total) {
      if (total < MIN_BYTES) return;
      const payload = { what, step, doneMiB: (done / MiB).toFixed(0), totalMiB: (total / MiB).toFixed(0) };
      if (bar === undefined) {
        bar = new progress.SingleBar({
          stream: process.stderr,
          format: "{what} {step} [{bar}] {percentage}% {doneMiB}/{totalMiB} MiB",
          hideCursor: true,
          clearOnComplete: true,
        }, progress.Presets.shades_classic);
        bar.start(total, done, payload);
      } else if (current !== step) {
        bar.setTotal(total);
      }
      current = step;
      bar.update(done, payload);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** An image load's progress as bar steps (cached layers show nothing). */
export function loadStep(bar: ProgressBar, p: LoadProgress): void {
  if (p.phase !== "cached") bar.update(`layer ${p.layer + 1}/${p.layers} ${p.phase}`, p.done, p.total);
}

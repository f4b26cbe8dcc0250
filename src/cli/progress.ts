/**
 * A progress bar for long image loads (cli-progress, on stderr), shown only
 * when stderr is a terminal and only once real work starts (a cache hit shows
 * nothing). Non-terminal runs print nothing.
 */
import type { LoadProgress } from "../oci/load.ts";
import type { CliRuntime } from "./runtime.ts";

export interface LoadBar {
  update(p: LoadProgress): void;
  stop(): void;
}

const MiB = 2 ** 20;
/** Layers smaller than this never show a bar (they take well under a second). */
const MIN_BYTES = 16 * MiB;

export async function loadBar(rt: CliRuntime, what: string): Promise<LoadBar> {
  if (!rt.stderrIsTTY) return { update: () => {}, stop: () => {} };
  const { default: progress } = await import("cli-progress");
  const { default: process } = await import("node:process");
  let bar: InstanceType<typeof progress.SingleBar> | undefined;
  let current = -1;
  return {
    update(p) {
      if (p.phase === "cached" || p.total < MIN_BYTES) return;
      const payload = { what, layer: p.layer + 1, layers: p.layers, phase: p.phase, doneMiB: (p.done / MiB).toFixed(0), totalMiB: (p.total / MiB).toFixed(0) };
      if (bar === undefined) {
        bar = new progress.SingleBar({
          stream: process.stderr,
          format: "{what} layer {layer}/{layers} {phase} [{bar}] {percentage}% {doneMiB}/{totalMiB} MiB",
          hideCursor: true,
          clearOnComplete: true,
        }, progress.Presets.shades_classic);
        bar.start(p.total, p.done, payload);
        current = p.layer;
      } else if (current !== p.layer) {
        bar.setTotal(p.total);
        current = p.layer;
      }
      bar.update(p.done, payload);
    },
    stop() {
      bar?.stop();
    },
  };
}

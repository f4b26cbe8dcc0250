// Random choices for the stateful generators (the model test's lower layers, the kernel
// scenarios), drawn through fast-check so they replay from a seed and shrink: every
// draw is a value of fc.gen(). Draws are uniform (fc.noBias), so a generator's
// probabilities are the ones its code states.
import fc from "fast-check";

const U32 = fc.noBias(fc.integer({ min: 0, max: 0xffffffff }));
const u32 = () => U32;

export class Draw {
  readonly #g: fc.GeneratorValue;
  constructor(g: fc.GeneratorValue) {
    this.#g = g;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.#g(u32) / 4294967296;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** An arbitrary of Draws (uniform, shrinking towards the first choice of every draw). */
export const draws: fc.Arbitrary<Draw> = fc.noBias(fc.gen()).map((g) => new Draw(g));

/** `count` values of `build(draw)`, reproducible from `seed`. */
export function sampleWith<T>(build: (d: Draw) => T, count: number, seed: number): T[] {
  return fc.sample(fc.noBias(fc.gen()).map((g) => build(new Draw(g))), { seed, numRuns: count });
}

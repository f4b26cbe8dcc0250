// The hostile tar corpus (tar-corpus.ts), run in every runtime: each archive is
// refused with its clear TarError, or contained as its case says; never a
// crash, a hang, another exception type, or unbounded memory. Every archive is
// read twice: from memory (views) and through read() only (as a FileSource is).
import { describe, expect, it } from "vitest";
import { layerProblems } from "../../src/testing/mod.ts";
import { indexTar, isTarError, MemorySource, TarLayer } from "../../src/mod.ts";
import type { ByteSource } from "../../src/mod.ts";
import { TAR_CORPUS } from "./tar-corpus.ts";

/** The same bytes without `view`: every header goes through read() (the FileSource path, read-ahead window included). */
function preadOnly(bytes: Uint8Array): ByteSource {
  const memory = new MemorySource(bytes);
  return { size: memory.size, read: (into, position) => memory.read(into, position) };
}

function outcome(bytes: Uint8Array, strict: boolean, pread = false): { error?: Error; layer?: TarLayer } {
  try {
    const source = pread ? preadOnly(bytes) : new MemorySource(bytes);
    return { layer: new TarLayer(source, { index: indexTar(source, { strict }) }) };
  } catch (e) {
    expect(isTarError(e), `a non-TarError escaped: ${String(e)}`).toBe(true);
    return { error: e as Error };
  }
}

describe("hostile tar corpus", () => {
  it("has cases for every item of the issue", () => {
    expect(TAR_CORPUS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(TAR_CORPUS.map((c) => c.name)).size).toBe(TAR_CORPUS.length);
  });

  for (const c of TAR_CORPUS) {
    it(c.name, () => {
      const bytes = c.bytes();
      const { error, layer } = outcome(bytes, false);
      const viaRead = outcome(bytes, false, true);
      expect(viaRead.error?.message).toBe(error?.message);
      if (c.error) {
        expect(error?.message ?? `accepted (${layer?.index.entries} entries)`).toMatch(c.error);
        expect(error!.message).toMatch(/^tar: .* at offset \d+/);
        return;
      }
      expect(error, error?.message).toBeUndefined();
      c.check!(layer!, layer!.index);
      c.check!(viaRead.layer!, viaRead.layer!.index);
      if (!c.noCheckLayer) expect(layerProblems(layer!)).toEqual([]);
      const strict = outcome(bytes, true);
      if (c.strictError) expect(strict.error?.message ?? "accepted in strict mode").toMatch(c.strictError);
      else expect(strict.error, strict.error?.message).toBeUndefined();
    });
  }
});

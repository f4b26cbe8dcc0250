// The hostile image corpus (corpus.ts): every case is refused with its ImageError
// code and a one-line message naming the image and the blob, never a crash or hang.
import { describe, expect, it } from "vitest";
import { loadImage, memoryFiles, ImageError } from "../../src/oci/mod.ts";
import { HOSTILE } from "./corpus.ts";

describe("hostile images", () => {
  for (const c of HOSTILE) {
    it(`refuses: ${c.name} (${c.expect})`, async () => {
      const built = await c.build();
      const source = built instanceof Uint8Array ? built : memoryFiles(built, "hostile-image");
      let error: unknown;
      try {
        (await loadImage(source, c.options)).close();
      } catch (e) {
        error = e;
      }
      expect(error, "the load must fail").toBeInstanceOf(ImageError);
      const e = error as ImageError;
      expect(e.code, e.message).toBe(c.expect);
      expect(e.message).not.toContain("\n");
      expect(e.message.startsWith(built instanceof Uint8Array ? "image archive (bytes): " : "hostile-image: ")).toBe(true);
      if (c.message !== undefined) expect(e.message).toMatch(c.message);
    });
  }
});

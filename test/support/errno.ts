import { isFsError } from "../../src/core/errno.ts";

/**
 * The WASI errno that `fn` throws. A call that does not throw, or throws
 * something other than an FsError, gives a string saying so, so an assertion
 * like `expect(thrownErrno(...)).toBe(Errno.NOENT)` fails with a clear message.
 */
export function thrownErrno(fn: () => unknown): number | string {
  try {
    fn();
  } catch (e) {
    return isFsError(e) ? e.errno : `not an FsError: ${String(e)}`;
  }
  return "no error";
}

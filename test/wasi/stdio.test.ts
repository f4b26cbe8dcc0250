import { describe, expect, it } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import { BufferSource, CallbackSource, DISCARD_SINK, EMPTY_SOURCE, makeSink, makeSource } from "../../src/wasi/stdio.ts";
import { harness } from "./harness.ts";

describe("stdin sources", () => {
  it("a buffer source reads in pieces and reports what is left", () => {
    const s = new BufferSource("abcdef");
    const into = new Uint8Array(4);
    expect(s.read(into)).toBe(4);
    expect(s.available()).toBe(2);
    expect(s.read(into)).toBe(2);
    expect(s.read(into)).toBe(0);
  });

  it("a callback source keeps returned bytes that do not fit until the next read", () => {
    const s = new CallbackSource(() => "0123456789");
    const into = new Uint8Array(4);
    expect(s.read(into)).toBe(4);
    expect(s.available()).toBe(6);
    expect(s.read(into)).toBe(4);
    expect(s.read(into)).toBe(2);
  });

  it("\"ignore\" is empty and options are checked", () => {
    expect(makeSource("ignore")).toBe(EMPTY_SOURCE);
    expect(makeSource(new Uint8Array([1])).available()).toBe(1);
    expect(() => makeSource(42 as never)).toThrow(TypeError);
  });

  it("\"inherit\" gives a source in every runtime (empty in browsers)", () => {
    const s = makeSource("inherit");
    expect(typeof s.read).toBe("function");
  });
});

describe("stdout sinks", () => {
  it("accepts callbacks, writer objects and \"ignore\"", () => {
    const got: Uint8Array[] = [];
    makeSink((b) => got.push(b), 1).write(new Uint8Array([1]));
    makeSink({ write: (b: Uint8Array) => got.push(b) }, 2).write(new Uint8Array([2]));
    expect(got).toEqual([new Uint8Array([1]), new Uint8Array([2])]);
    expect(makeSink("ignore", 1)).toBe(DISCARD_SINK);
    expect(() => makeSink(7 as never, 1)).toThrow(TypeError);
  });

  it("\"inherit\" gives a sink in every runtime", () => {
    expect(typeof makeSink("inherit", 2).write).toBe("function");
  });

  it("a throwing stdout callback becomes EIO for the guest, not an exception", () => {
    const h = harness({ stdout: () => { throw new Error("sink broke"); } });
    expect(h.write(1, "x")[0]).toBe(Errno.IO);
  });
});

it("escapeErrno makes paths that leave their directory EPERM instead of ENOTCAPABLE", () => {
  const h = harness({ escapeErrno: Errno.PERM });
  expect(h.open("../x")[0]).toBe(Errno.PERM);
  expect(h.open("/etc/hostname")[0]).toBe(Errno.PERM);
});

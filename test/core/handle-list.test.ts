import { describe, expect, it } from "vitest";
import { HandleList } from "../../src/core/handle-list.ts";

const item = (name: string) => ({ name, handleSlot: -1 });

describe("HandleList", () => {
  it("is a set: add twice counts once, delete of an absent item is a no-op", () => {
    const l = new HandleList<ReturnType<typeof item>>();
    const a = item("a"), b = item("b");
    l.add(a); l.add(a); l.add(b);
    expect(l.size).toBe(2);
    l.delete(item("c"));
    l.delete(a); l.delete(a);
    expect([...l].map((x) => x.name)).toEqual(["b"]);
    expect(a.handleSlot).toBe(-1);
  });

  it("keeps every other item when one in the middle goes (the last takes its slot)", () => {
    const l = new HandleList<ReturnType<typeof item>>();
    const xs = ["a", "b", "c", "d"].map(item);
    for (const x of xs) l.add(x);
    l.delete(xs[1]!);
    expect(new Set([...l].map((x) => x.name))).toEqual(new Set(["a", "c", "d"]));
    l.delete(xs[3]!); // moved into slot 1: still found
    l.delete(xs[0]!);
    expect([...l].map((x) => x.name)).toEqual(["c"]);
  });

  it("iterates a snapshot (the loop may delete) and clear() forgets every slot", () => {
    const l = new HandleList<ReturnType<typeof item>>();
    const xs = ["a", "b", "c"].map(item);
    for (const x of xs) l.add(x);
    const seen: string[] = [];
    for (const x of l) { seen.push(x.name); l.delete(x); }
    expect(seen.sort()).toEqual(["a", "b", "c"]);
    expect(l.size).toBe(0);
    for (const x of xs) l.add(x);
    l.clear();
    expect(xs.map((x) => x.handleSlot)).toEqual([-1, -1, -1]);
    l.add(xs[2]!);
    l.delete(xs[0]!); // a stale item never removes another
    expect(l.size).toBe(1);
  });
});

/**
 * Merged answers about a stack of lower layers, kept across unions (and
 * Images) over equal stacks in this process: per directory of the stack, the
 * names looked up and what each one is (the layer showing it, its type, the
 * layers merging into a directory) or that nothing is there.
 *
 * Why: a new union over the same host directories (a `layerfs run`, a sandbox
 * opened from disk) found a name under 64 layers by asking each layer again,
 * each through its own index: about 3 us of cold JavaScript per layer beside
 * the one lstat per layer that tells whether its copy changed. With a memo,
 * the first lookup of a directory is one stamp per layer (Layer.dirStamp:
 * that lstat) and one Map get.
 *
 * Validity: a directory's answers are used only while every layer merging
 * into it gives the stamp they were taken under (the layers' own rule:
 * dirStamp). They are taken under stamps the layers took in that union
 * before answering (dirStamp with fresh false: no host call, and none when a
 * layer has none), so a change made while they were taken shows as a new
 * stamp in the next union. The parent's answers give a directory's merging
 * layers, so a directory is reached only through answers valid themselves.
 * Only which layer shows a name and its type are kept: attributes, contents
 * and every containment check still come from that layer, in each union.
 *
 * Memory: at most MAX_MEMO_ANSWERS answers and stamps in all; past it,
 * everything is dropped (directories are stamped again by the next union
 * that uses them: the simple bound, for a memo that is rebuilt in one union).
 */
import { sameElements } from "./layer.ts";
import type { DirStamp, EntryType } from "./layer.ts";

/** One name of a memoized directory: where the lower view shows it. */
export interface MemoAnswer {
  /** The topmost layer holding the visible object (bottom first). */
  readonly layer: number;
  readonly type: EntryType;
  /** Directories: the layers, top first, whose copies merge into it. */
  readonly dirLayers: readonly number[] | undefined;
}

/** The answers about one directory of a stack, under the stamps of its merging layers. */
export interface DirMemo {
  /** Where the memo holds it: its stack's key and its path. */
  readonly stack: string;
  readonly path: string;
  /** The layers, top first, whose copies of the directory merge (what the stamps are of). */
  readonly dirLayers: readonly number[];
  readonly stamps: readonly DirStamp[];
  /** Name -> answer (null: nothing visible there). */
  readonly answers: Map<string, MemoAnswer | null>;
}

/** Answers and stamps held in all, at most. */
export const MAX_MEMO_ANSWERS = 100_000;

export class StackMemo {
  /** By stack key, then directory path (a stack's key is long: looked up once per directory, never concatenated). */
  private readonly stacks = new Map<string, Map<string, DirMemo>>();
  private held = 0;

  constructor(private readonly maxAnswers = MAX_MEMO_ANSWERS) {}

  /** Answers and stamps held (for tests and measurements). */
  get size(): number {
    return this.held;
  }

  /** The memo of directory `path` of stack `stack` made over the same merging layers, not validated yet. */
  find(stack: string, path: string, dirLayers: readonly number[]): DirMemo | undefined {
    const m = this.stacks.get(stack)?.get(path);
    return m !== undefined && sameElements(m.dirLayers, dirLayers) ? m : undefined;
  }

  /** A new memo of directory `path` of stack `stack` under `stamps` (replacing any other). */
  start(stack: string, path: string, dirLayers: readonly number[], stamps: readonly DirStamp[]): DirMemo {
    this.forget(stack, path);
    const m: DirMemo = { stack, path, dirLayers: [...dirLayers], stamps, answers: new Map() };
    let dirs = this.stacks.get(stack);
    if (dirs === undefined) this.stacks.set(stack, (dirs = new Map()));
    dirs.set(path, m);
    this.count(stamps.length);
    return m;
  }

  /** Note `name`'s answer in `m` (unless the memo was dropped since: bound, or a newer one). */
  answer(m: DirMemo, name: string, a: MemoAnswer | null): void {
    if (this.stacks.get(m.stack)?.get(m.path) !== m || m.answers.has(name)) return;
    m.answers.set(name, a);
    this.count(1);
  }

  /** Forget the memo of directory `path` of stack `stack` (a layer's stamp changed). */
  forget(stack: string, path: string): void {
    const dirs = this.stacks.get(stack);
    const old = dirs?.get(path);
    if (old === undefined) return;
    dirs!.delete(path);
    if (dirs!.size === 0) this.stacks.delete(stack);
    this.held -= old.stamps.length + old.answers.size;
  }

  private count(n: number): void {
    this.held += n;
    if (this.held <= this.maxAnswers) return;
    this.stacks.clear();
    this.held = 0;
  }
}

/** The memo every Image uses (answers are keyed by the layers' memoKeys, which name what they show). */
export const stackMemo = new StackMemo();

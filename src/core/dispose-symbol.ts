/**
 * `Symbol.dispose` for TypeScript consumers whose libs lack it (no
 * `esnext.disposable`, no Node types: a browser project): Union and
 * MemoryLayer declare `[Symbol.dispose]()`, and their emitted `.d.ts` import
 * this module, so such a project type-checks with skipLibCheck off. The same
 * declaration as TypeScript's own lib and @types/node, so it merges with them.
 */
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

export {};

// Node worker_threads entry: TypeScript through tsx (hooks are per thread on Node 20), then the worker.
import { register } from "tsx/esm/api";
register();
await import("./worker.ts");

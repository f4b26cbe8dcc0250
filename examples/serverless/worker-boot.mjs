// Node worker_threads entry: TypeScript through tsx (hooks are per thread on Node 20), then the worker.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";
register();
await import(workerData?.entry ?? "./worker.ts");

/** layerfs's WASI preview1 host: run() for commands, createWasi()/WasiHost for custom instantiation. */
export { run, checkImports } from "./run.ts";
export type { RunOptions, WasmSource } from "./run.ts";
export { createWasi, WasiHost, WasiExit } from "./host.ts";
export type { PreopenTarget, WasiOptions } from "./host.ts";
export { Dispatcher } from "./dispatcher.ts";
export type { DispatcherOptions, Preopen } from "./dispatcher.ts";
export { PREVIEW1_FUNCTIONS } from "./abi.ts";
export type { InputSource, OutputSink, StdinCallback, StdinOption, StdoutOption, WritableStreamLike, WriterLike } from "./stdio.ts";

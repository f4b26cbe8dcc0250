export * from "./src/mod.ts";

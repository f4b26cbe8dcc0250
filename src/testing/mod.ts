/**
 * layerfs/testing: the conformance kit for Layer implementations (Go keeps
 * testing/fstest beside io/fs the same way). Not needed to run a union.
 */
export { checkLayer, layerProblems, LayerCheckError } from "./check-layer.ts";
export type { CheckLayerOptions } from "./check-layer.ts";

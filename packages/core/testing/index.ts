/**
 * @packageDocumentation
 * `@ait/core/testing`: helpers the AiT.js packages' tests share, float64 references written with
 * plain loops and tolerance assertions. Source only (the `@ait/source` condition, as the
 * workspace's tests resolve it); not part of the published package.
 */
export * from './float64-reference';
export * from './test-expectations';
export * from './model-round-trip';
export * from './use-backend';
export * from './use-temp-dir';
export * from './reference-fixtures';
export * from './readme-bench-tables';
export * from './sync-reads';
export * from './webgpu-available';

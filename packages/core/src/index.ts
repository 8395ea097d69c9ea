/**
 * @packageDocumentation
 * `@ait/core`: backend selection, seeded randomness, the shared transformer layers, optimisers,
 * schedules, the training loop and checkpoint I/O that every AiT.js model builds on.
 */
export * from './backend/init-backend';
export * from './config/validate-config';
export * from './random/seeded-random';
export * from './ops/index';
export * from './layers/index';
export * from './training/index';
export * from './checkpoint/index';
export * from './summary/index';
export * from './kernels/index';
export * from './benchmarks/index';

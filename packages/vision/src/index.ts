/**
 * @packageDocumentation
 * `@ait/vision`: the Associative Transformer and its vision-transformer family, with a model registry.
 */
export * from './models/vision-model';
export * from './models/vision-model-skeleton';
export * from './models/token-grid';
export * from './blocks/vision-layer';
export * from './registry/model-registry';
export * from './registry/fit-preset-to-data';
export * from './registry/build-model-for-data';
export * from './registry/preset-parameter-count';
export * from './models/coordination/index';
export * from './models/ait/index';
export * from './models/vit/index';
export * from './models/set-transformer/index';
export * from './models/perceiver/index';
export * from './models/aft/index';
export * from './models/mlp-mixer/index';
export * from './models/parallel-mixer/index';
export * from './interop/index';
export * from './pretrained/index';

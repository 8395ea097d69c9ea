// Public exports of src/layers; one line per concept file.
export * from './ait-layer';
export * from './layer-args-schema';
export * from './layer-config';
export * from './layer-inputs';
export * from './kernel-initializer';
export * from './dense';
export * from './layer-norm';
export * from './dropout';
export * from './drop-path';
export * from './feed-forward';
export * from './multi-head-attention';
export * from './top-k-attention';
export * from './patch-embedding';
export * from './conv-stem';
export * from './learned-position-embedding';
export * from './sinusoidal-position-embedding-2d';
export * from './register-layers';

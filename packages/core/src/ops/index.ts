// Public exports of src/ops; one line per concept file.
export * from './assert-shape';
export * from './activation';
export * from './gelu';
export * from './linear';
export * from './layer-norm';
export * from './dropout';
export * from './drop-path';
export * from './feed-forward';
export * from './split-heads';
export * from './scaled-dot-product-attention';
export * from './top-k-softmax';
export * from './top-k-attention';
export * from './patchify';
export * from './add-position-embedding';
export * from './sinusoidal-position-embedding-2d';

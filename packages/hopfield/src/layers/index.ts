// Public exports of src/layers; one line per concept file.
export * from './hopfield-association';
export * from './hopfield-options';
export * from './hopfield-dimensions';
export * from './hopfield';
export * from './learned-patterns-hopfield';
export * from './hopfield-pooling';
export * from './hopfield-layer';
export * from './register-hopfield-layers';

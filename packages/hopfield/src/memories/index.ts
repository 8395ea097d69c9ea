// Public exports of src/memories; one line per concept file.
export * from './binary-update';
export * from './storage-rules';
export * from './classical-energy';
export * from './classical-hopfield';
export * from './interaction-functions';
export * from './dense-energy';
export * from './dense-associative-memory';
export * from './modern-energy';
export * from './modern-hopfield';
export * from './hopfield-update';

// Public exports of src/ham; one line per concept file.
export * from './lagrangian';
export * from './elementwise-lagrangians';
export * from './normalizing-lagrangians';
export * from './neuron-layer';
export * from './synapse';
export * from './dense-synapse';
export * from './bias-synapse';
export * from './conv-synapse';
export * from './hierarchical-associative-memory';
export * from './energy-descent';
export * from './energy-transformer';
export * from './energy-transformer-block';
export * from './parallel-mixer-energy';
export * from './parallel-mixer-block';
export * from './register-ham-layers';

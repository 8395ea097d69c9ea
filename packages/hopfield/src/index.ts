/**
 * @packageDocumentation
 * `@ait/hopfield`: associative memories for TensorFlow.js with their energies visible: classical
 * binary, dense and continuous modern Hopfield networks with `energy` and `retrieve`, the
 * `Hopfield`, `HopfieldPooling` and `HopfieldLayer` layers, and hierarchical associative memory
 * (Lagrangians, synapses, energy descent, the Energy Transformer and the Karakida-Ota-Taki
 * three-layer network).
 */
export * from './energy/index';
export * from './memories/index';
export * from './patterns/index';
export * from './layers/index';
export * from './ham/index';
export * from './interop/index';
export * from './setup';

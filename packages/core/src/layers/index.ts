// Public exports of src/layers; one line per concept file.
export * from './ait-layer';

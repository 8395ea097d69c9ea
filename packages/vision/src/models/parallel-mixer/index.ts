// Public exports of the parallelized MLP-Mixer family; importing it registers the family's presets.
export * from './parallel-mlp-mixer-config';
export * from './parallel-mlp-mixer';
import './presets';

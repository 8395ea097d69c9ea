// Public exports of the MLP-Mixer family; importing it registers the family's presets.
export * from './mlp-mixer-config';
export * from './mlp-mixer';
import './presets';

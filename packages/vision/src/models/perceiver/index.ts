// Public exports of the Perceiver family; importing it registers the family's presets.
export * from './fourier-position-features';
export * from './perceiver-input-array';
export * from './perceiver-cross-attention';
export * from './perceiver-config';
export * from './perceiver';
import './presets';

// Public exports of the Coordination family; importing it registers the family's presets.
export * from '../../blocks/sinusoidal-position-embedding-1d';
export * from './workspace-attention';
export * from './shared-workspace';
export * from './coordination-config';
export * from './coordination';
import './presets';

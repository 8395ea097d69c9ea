// Public exports of the AFT family; importing it registers the family's presets.
export * from './aft-full-op';
export * from './aft-local-bias';
export * from './aft-simple-op';
export * from './aft-conv-op';
export * from './aft-token-mixer';
export * from './aft-full-attention';
export * from './aft-simple-attention';
export * from './aft-conv-attention';
export * from './aft-config';
export * from './attention-free-transformer';
import './presets';

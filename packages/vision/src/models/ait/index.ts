// Public exports of the AiT family; one line per concept file. Importing it registers the presets.
export * from '../../blocks/question-token-embedding';
export * from '../../blocks/detach';
export * from './ait-config';
export * from './balance-loss';
export * from './memory-update';
export * from './hopfield-read';
export * from './global-workspace-layer';
export * from './ait-block';
export * from './associative-transformer';
export * from './presets';

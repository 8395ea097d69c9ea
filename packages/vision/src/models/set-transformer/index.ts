// Public exports of the Set Transformer family; importing it registers the family's presets.
export * from './multihead-attention-block-op';
export * from './multihead-attention-block';
export * from './learned-query-block';
export * from './induced-set-attention-block';
export * from './pooling-by-multihead-attention';
export * from './set-transformer-config';
export * from './set-transformer';
import './presets';

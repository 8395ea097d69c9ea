// Public exports of the ViT family (and the shared blocks it is built from); one line per concept
// file. Importing it registers the presets.
export * from '../../blocks/transformer-block';
export * from '../../blocks/classification-head';
export * from '../../blocks/class-token';
export * from './vit-config';
export * from './vision-transformer';
export * from './presets';

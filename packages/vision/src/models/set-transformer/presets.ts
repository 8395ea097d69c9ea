import { registerModel } from '../../registry/model-registry';
import { SetTransformer } from './set-transformer';
import { setTransformerSchema } from './set-transformer-config';

const SOURCE =
  'Lee et al., "Set Transformer: A Framework for Attention-based Permutation-Invariant Neural Networks", ICML 2019; reference code juho-lee/set_transformer';

registerModel({
  name: 'set-transformer-pointcloud',
  family: 'set-transformer',
  description:
    "The reference code's point-cloud classifier sizes (2 ISABs with 32 inducing points, width 128, 4 heads, PMA with 1 seed, dropout 0.5, no LayerNorm), on 4x4 patches of 32x32 RGB images as the set.",
  source: SOURCE,
  scale: 'paper',
  schema: setTransformerSchema,
  defaults: {
    classes: 10,
    imageSize: 32,
    channels: 3,
    patchSize: 4,
    dim: 128,
    heads: 4,
    encoderLayers: 2,
    inducingPoints: 32,
    seeds: 1,
    decoderLayers: 0,
    layerNorm: false,
    positionEmbedding: 'none',
    dropout: 0.5,
  },
  create: (config) => new SetTransformer(config),
});

registerModel({
  name: 'set-transformer-tiny',
  family: 'set-transformer',
  description: 'CPU-sized Set Transformer for tests: 2 ISABs (8 inducing points), width 96, PMA with 2 seeds, 16x16 RGB.',
  source: SOURCE,
  scale: 'cpu',
  schema: setTransformerSchema,
  defaults: {
    classes: 10,
    imageSize: 16,
    channels: 3,
    patchSize: 4,
    dim: 96,
    heads: 4,
    encoderLayers: 2,
    inducingPoints: 8,
    seeds: 2,
    decoderLayers: 1,
    layerNorm: true,
    positionEmbedding: 'learned',
    dropout: 0,
  },
  create: (config) => new SetTransformer(config),
});

registerModel({
  name: 'set-transformer-mini',
  family: 'set-transformer',
  description: 'CPU-sized Set Transformer for demos: 3 ISABs (16 inducing points), width 192, PMA with 4 seeds, 32x32 RGB.',
  source: SOURCE,
  scale: 'cpu',
  schema: setTransformerSchema,
  defaults: {
    classes: 10,
    imageSize: 32,
    channels: 3,
    patchSize: 4,
    dim: 192,
    heads: 4,
    encoderLayers: 3,
    inducingPoints: 16,
    seeds: 4,
    decoderLayers: 1,
    layerNorm: true,
    positionEmbedding: 'learned',
    dropout: 0.1,
  },
  create: (config) => new SetTransformer(config),
});

import { PRESET_INPUTS, registerFamily } from '../../registry/register-family';
import { SetTransformer } from './set-transformer';
import { setTransformerSchema } from './set-transformer-config';

registerFamily({
  family: 'set-transformer',
  source:
    'Lee et al., "Set Transformer: A Framework for Attention-based Permutation-Invariant Neural Networks", ICML 2019; reference code juho-lee/set_transformer',
  schema: setTransformerSchema,
  create: (config) => new SetTransformer(config),
  presets: {
    'set-transformer-pointcloud': {
      scale: 'paper',
      description:
        "The reference code's point-cloud classifier sizes (2 ISABs with 32 inducing points, width 128, 4 heads, PMA with 1 seed, dropout 0.5, no LayerNorm), on 4x4 patches of 32x32 RGB images as the set.",
      defaults: {
        ...PRESET_INPUTS.mini,
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
    },
    'set-transformer-tiny': {
      scale: 'cpu',
      description: 'CPU-sized Set Transformer for tests: 2 ISABs (8 inducing points), width 96, PMA with 2 seeds, 16x16 RGB.',
      defaults: {
        ...PRESET_INPUTS.tiny,
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
    },
    'set-transformer-mini': {
      scale: 'cpu',
      description: 'CPU-sized Set Transformer for demos: 3 ISABs (16 inducing points), width 192, PMA with 4 seeds, 32x32 RGB.',
      defaults: {
        ...PRESET_INPUTS.mini,
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
    },
  },
});

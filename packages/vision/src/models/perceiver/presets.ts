import { PRESET_INPUTS, registerFamily } from '../../registry/register-family';
import { Perceiver } from './perceiver';
import { perceiverSchema } from './perceiver-config';

registerFamily({
  family: 'perceiver',
  source: 'Jaegle et al., "Perceiver: General Perception with Iterative Attention", ICML 2021',
  schema: perceiverSchema,
  create: (config) => new Perceiver(config),
  presets: {
    'perceiver-imagenet': {
      scale: 'paper',
      description:
        "The paper's ImageNet Perceiver: 224x224 pixels with 64 Fourier bands, 512 latents of width 1024, 8 repeats of 1 cross-attend (1 head, projections as wide as the 261-channel input array) and 6 latent blocks (8 heads), weights shared after the first repeat.",
      defaults: {
        ...PRESET_INPUTS.imagenet,
        patchSize: 1,
        latents: 512,
        latentDim: 1024,
        crossHeads: 1,
        crossAttentionWidth: 'input',
        latentHeads: 8,
        latentLayers: 6,
        repeats: 8,
        weightSharing: true,
        fourierBands: 64,
        maxFrequency: 224,
        mlpRatio: 1,
        dropout: 0,
      },
    },
    'perceiver-tiny': {
      scale: 'cpu',
      description:
        'CPU-sized Perceiver for tests: 16x16 RGB as 2x2 patches, 16 latents of width 96, 2 repeats of 1 cross-attend and 2 latent blocks.',
      defaults: {
        ...PRESET_INPUTS.tiny,
        patchSize: 2,
        latents: 16,
        latentDim: 96,
        crossHeads: 1,
        latentHeads: 4,
        latentLayers: 2,
        repeats: 2,
        weightSharing: true,
        fourierBands: 6,
        maxFrequency: 8,
        mlpRatio: 2,
        dropout: 0,
      },
    },
    'perceiver-mini': {
      scale: 'cpu',
      description:
        'CPU-sized Perceiver for demos: 32x32 RGB as 2x2 patches, 32 latents of width 128, 3 repeats of 1 cross-attend and 3 latent blocks.',
      defaults: {
        ...PRESET_INPUTS.mini,
        patchSize: 2,
        latents: 32,
        latentDim: 128,
        crossHeads: 1,
        latentHeads: 4,
        latentLayers: 3,
        repeats: 3,
        weightSharing: true,
        fourierBands: 8,
        maxFrequency: 16,
        mlpRatio: 2,
        dropout: 0.1,
      },
    },
  },
});

import { registerModel } from '../../registry/model-registry';
import { Perceiver } from './perceiver';
import { perceiverSchema } from './perceiver-config';

const SOURCE = 'Jaegle et al., "Perceiver: General Perception with Iterative Attention", ICML 2021';

registerModel({
  name: 'perceiver-imagenet',
  family: 'perceiver',
  description:
    "The paper's ImageNet Perceiver: 224x224 pixels with 64 Fourier bands, 512 latents of width 1024, 8 repeats of 1 cross-attend (1 head) and 6 latent blocks (8 heads), weights shared after the first repeat.",
  source: SOURCE,
  scale: 'paper',
  schema: perceiverSchema,
  defaults: {
    classes: 1000,
    imageSize: 224,
    channels: 3,
    patchSize: 1,
    latents: 512,
    latentDim: 1024,
    crossHeads: 1,
    latentHeads: 8,
    latentLayers: 6,
    repeats: 8,
    weightSharing: true,
    fourierBands: 64,
    maxFrequency: 224,
    mlpRatio: 1,
    dropout: 0,
  },
  create: (config) => new Perceiver(config),
});

registerModel({
  name: 'perceiver-tiny',
  family: 'perceiver',
  description:
    'CPU-sized Perceiver for tests: 16x16 RGB as 2x2 patches, 16 latents of width 96, 2 repeats of 1 cross-attend and 2 latent blocks.',
  source: SOURCE,
  scale: 'cpu',
  schema: perceiverSchema,
  defaults: {
    classes: 10,
    imageSize: 16,
    channels: 3,
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
  create: (config) => new Perceiver(config),
});

registerModel({
  name: 'perceiver-mini',
  family: 'perceiver',
  description:
    'CPU-sized Perceiver for demos: 32x32 RGB as 2x2 patches, 32 latents of width 128, 3 repeats of 1 cross-attend and 3 latent blocks.',
  source: SOURCE,
  scale: 'cpu',
  schema: perceiverSchema,
  defaults: {
    classes: 10,
    imageSize: 32,
    channels: 3,
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
  create: (config) => new Perceiver(config),
});

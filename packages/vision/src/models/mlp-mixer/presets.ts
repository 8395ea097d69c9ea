import { registerModel } from '../../registry/model-registry';
import { MlpMixer } from './mlp-mixer';
import { mlpMixerSchema } from './mlp-mixer-config';

const SOURCE = 'Tolstikhin et al., "MLP-Mixer: An all-MLP Architecture for Vision", NeurIPS 2021';

registerModel({
  name: 'mlp-mixer-s16',
  family: 'mlp-mixer',
  description: 'Mixer-S/16 as specified in the paper: 224x224, patch 16, 8 layers, C 512, D_S 256, D_C 2048.',
  source: SOURCE,
  scale: 'paper',
  schema: mlpMixerSchema,
  defaults: { classes: 1000, imageSize: 224, channels: 3, patchSize: 16, dim: 512, depth: 8, tokenMlpDim: 256, channelMlpDim: 2048 },
  create: (config) => new MlpMixer(config),
});

registerModel({
  name: 'mlp-mixer-b16',
  family: 'mlp-mixer',
  description: 'Mixer-B/16 as specified in the paper: 224x224, patch 16, 12 layers, C 768, D_S 384, D_C 3072.',
  source: SOURCE,
  scale: 'paper',
  schema: mlpMixerSchema,
  defaults: { classes: 1000, imageSize: 224, channels: 3, patchSize: 16, dim: 768, depth: 12, tokenMlpDim: 384, channelMlpDim: 3072 },
  create: (config) => new MlpMixer(config),
});

registerModel({
  name: 'mlp-mixer-tiny',
  family: 'mlp-mixer',
  description: 'CPU-sized MLP-Mixer for tests: 16x16 RGB, patch 4 (16 patches), 4 layers, C 96, D_S 64, D_C 192.',
  source: SOURCE,
  scale: 'cpu',
  schema: mlpMixerSchema,
  defaults: { classes: 10, imageSize: 16, channels: 3, patchSize: 4, dim: 96, depth: 4, tokenMlpDim: 64, channelMlpDim: 192 },
  create: (config) => new MlpMixer(config),
});

registerModel({
  name: 'mlp-mixer-mini',
  family: 'mlp-mixer',
  description: 'CPU-sized MLP-Mixer for demos: 32x32 RGB, patch 4 (64 patches), 6 layers, C 192, D_S 96, D_C 768.',
  source: SOURCE,
  scale: 'cpu',
  schema: mlpMixerSchema,
  defaults: {
    classes: 10,
    imageSize: 32,
    channels: 3,
    patchSize: 4,
    dim: 192,
    depth: 6,
    tokenMlpDim: 96,
    channelMlpDim: 768,
    dropPath: 0.1,
  },
  create: (config) => new MlpMixer(config),
});

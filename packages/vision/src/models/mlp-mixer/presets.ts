import { PRESET_INPUTS, registerFamily } from '../../registry/register-family';
import { MlpMixer } from './mlp-mixer';
import { mlpMixerSchema } from './mlp-mixer-config';

registerFamily({
  family: 'mlp-mixer',
  source: 'Tolstikhin et al., "MLP-Mixer: An all-MLP Architecture for Vision", NeurIPS 2021',
  schema: mlpMixerSchema,
  create: (config) => new MlpMixer(config),
  presets: {
    'mlp-mixer-s16': {
      scale: 'paper',
      description: 'Mixer-S/16 as specified in the paper: 224x224, patch 16, 8 layers, C 512, D_S 256, D_C 2048.',
      defaults: { ...PRESET_INPUTS.imagenet, patchSize: 16, dim: 512, depth: 8, tokenMlpDim: 256, channelMlpDim: 2048 },
    },
    'mlp-mixer-b16': {
      scale: 'paper',
      description: 'Mixer-B/16 as specified in the paper: 224x224, patch 16, 12 layers, C 768, D_S 384, D_C 3072.',
      defaults: { ...PRESET_INPUTS.imagenet, patchSize: 16, dim: 768, depth: 12, tokenMlpDim: 384, channelMlpDim: 3072 },
    },
    'mlp-mixer-tiny': {
      scale: 'cpu',
      description: 'CPU-sized MLP-Mixer for tests: 16x16 RGB, patch 4 (16 patches), 4 layers, C 96, D_S 64, D_C 192.',
      defaults: { ...PRESET_INPUTS.tiny, patchSize: 4, dim: 96, depth: 4, tokenMlpDim: 64, channelMlpDim: 192 },
    },
    'mlp-mixer-mini': {
      scale: 'cpu',
      description: 'CPU-sized MLP-Mixer for demos: 32x32 RGB, patch 4 (64 patches), 6 layers, C 192, D_S 96, D_C 768.',
      defaults: { ...PRESET_INPUTS.mini, patchSize: 4, dim: 192, depth: 6, tokenMlpDim: 96, channelMlpDim: 768, dropPath: 0.1 },
    },
  },
});

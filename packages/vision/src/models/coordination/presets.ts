import { PRESET_INPUTS, registerFamily } from '../../registry/register-family';
import { Coordination } from './coordination';
import { coordinationSchema } from './coordination-config';

registerFamily({
  family: 'coordination',
  source:
    'Goyal et al., "Coordination Among Neural Modules Through a Shared Global Workspace", ICLR 2022; reference code anirudh9119/shared_workspace (TR+SSC)',
  schema: coordinationSchema,
  create: (config) => new Coordination(config),
  presets: {
    'coordination-triangle': {
      scale: 'paper',
      description:
        'Shared-workspace transformer at the paper size for the Triangle task: 4 shared layers, D 256, F 512, 8 slots, top-k 20, 64x64 grayscale, 4 classes.',
      defaults: {
        classes: 4,
        imageSize: 64,
        channels: 1,
        patchSize: 4,
        dim: 256,
        layers: 4,
        heads: 4,
        ffnDim: 512,
        slots: 8,
        topK: 20,
        keyDim: 32,
        sharedParameters: true,
        dropout: 0.1,
      },
    },
    'coordination-tiny': {
      scale: 'cpu',
      description: 'CPU-sized shared-workspace transformer for tests: 2 shared layers, D 96, 4 slots, top-k 4, 16x16 RGB.',
      defaults: {
        ...PRESET_INPUTS.tiny,
        patchSize: 4,
        dim: 96,
        layers: 2,
        heads: 4,
        ffnDim: 192,
        slots: 4,
        topK: 4,
        keyDim: 16,
        sharedParameters: true,
        dropout: 0,
      },
    },
    'coordination-mini': {
      scale: 'cpu',
      description:
        'CPU-sized shared-workspace transformer for demos: 4 layers with their own weights, D 128, 8 slots, top-k 10, 32x32 RGB.',
      defaults: {
        ...PRESET_INPUTS.mini,
        patchSize: 4,
        dim: 128,
        layers: 4,
        heads: 4,
        ffnDim: 256,
        slots: 8,
        topK: 10,
        keyDim: 32,
        sharedParameters: false,
        dropout: 0.1,
      },
    },
  },
});

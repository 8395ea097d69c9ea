import { registerModel } from '../../registry/model-registry';
import { Coordination } from './coordination';
import { coordinationSchema } from './coordination-config';

const SOURCE =
  'Goyal et al., "Coordination Among Neural Modules Through a Shared Global Workspace", ICLR 2022; reference code anirudh9119/shared_workspace (TR+SSC)';

registerModel({
  name: 'coordination-triangle',
  family: 'coordination',
  description:
    'Shared-workspace transformer at the paper size for the Triangle task: 4 shared layers, D 256, F 512, 8 slots, top-k 20, 64x64 grayscale, 4 classes.',
  source: SOURCE,
  scale: 'paper',
  schema: coordinationSchema,
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
  create: (config) => new Coordination(config),
});

registerModel({
  name: 'coordination-tiny',
  family: 'coordination',
  description: 'CPU-sized shared-workspace transformer for tests: 2 shared layers, D 96, 4 slots, top-k 4, 16x16 RGB.',
  source: SOURCE,
  scale: 'cpu',
  schema: coordinationSchema,
  defaults: {
    classes: 10,
    imageSize: 16,
    channels: 3,
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
  create: (config) => new Coordination(config),
});

registerModel({
  name: 'coordination-mini',
  family: 'coordination',
  description: 'CPU-sized shared-workspace transformer for demos: 4 layers with their own weights, D 128, 8 slots, top-k 10, 32x32 RGB.',
  source: SOURCE,
  scale: 'cpu',
  schema: coordinationSchema,
  defaults: {
    classes: 10,
    imageSize: 32,
    channels: 3,
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
  create: (config) => new Coordination(config),
});

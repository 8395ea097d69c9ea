import type { z } from '@ait/core';
import { registerModel } from '../../registry/model-registry';
import { ParallelMlpMixer } from './parallel-mlp-mixer';
import { parallelMlpMixerSchema } from './parallel-mlp-mixer-config';

const SOURCE =
  'Karakida, Ota, Taki, "Hierarchical Associative Memory, Parallelized MLP-Mixer, and Symmetry Breaking", arXiv 2406.12220 (2024); reference code Toshihiro-Ota/paramixer';

type Defaults = z.input<typeof parallelMlpMixerSchema>;

/**
 * Parameters of the S/16 presets (1000 classes) in both layer-norm gain modes: `scalar` (the
 * default, one gain per block) and `perEntry` (a `[196, 512]` gain per block, as the authors'
 * `nn.LayerNorm((N, C))`), `8 * (196 * 512 - 1) = 802,808` apart. The tests rebuild the presets and
 * check these numbers.
 */
export const PARALLEL_MIXER_S16_PARAMETERS: Readonly<Record<'symmetric' | 'breaking' | 'free', { scalar: number; perEntry: number }>> = {
  symmetric: { scalar: 10_500_592, perEntry: 11_303_400 },
  breaking: { scalar: 19_290_608, perEntry: 20_093_416 },
  free: { scalar: 19_290_608, perEntry: 20_093_416 },
};

const KINDS: { variant: Defaults['variant']; short: 'symmetric' | 'breaking' | 'free'; what: string; extra: Partial<Defaults> }[] = [
  { variant: 'symmetric', short: 'symmetric', what: 'symmetric interaction maps (W^T gelu(W x), as the energy requires)', extra: {} },
  {
    variant: 'symmetryBreaking',
    short: 'breaking',
    what: 'symmetry breaking (W^T gelu(W x) + W2 gelu(W x), L2 penalty 0.01 on W2)',
    extra: { symmetryPenalty: 0.01 },
  },
  { variant: 'free', short: 'free', what: 'free (vanilla) MLPs in parallel', extra: {} },
];

const count = (n: number): string => n.toLocaleString('en-US');

for (const k of KINDS) {
  registerModel({
    name: `parallel-mixer-${k.short}-s16`,
    family: 'parallel-mlp-mixer',
    description:
      `Parallelized MLP-Mixer S/16 of the paper (224x224, patch 16, 8 blocks, C 512, token MLP 256, channel MLP 2048, matrix layer norm) with ${k.what}; ` +
      `${count(PARALLEL_MIXER_S16_PARAMETERS[k.short].scalar)} parameters with one layer-norm gain per block (default), ` +
      `${count(PARALLEL_MIXER_S16_PARAMETERS[k.short].perEntry)} with normGain 'perEntry' (the authors' nn.LayerNorm((196, 512))).`,
    source: SOURCE,
    scale: 'paper',
    schema: parallelMlpMixerSchema,
    defaults: {
      classes: 1000,
      imageSize: 224,
      channels: 3,
      patchSize: 16,
      dim: 512,
      depth: 8,
      tokenMlpDim: 256,
      channelMlpDim: 2048,
      variant: k.variant,
      ...k.extra,
    },
    create: (config) => new ParallelMlpMixer(config),
  });
  registerModel({
    name: `parallel-mixer-${k.short}-tiny`,
    family: 'parallel-mlp-mixer',
    description: `CPU-sized parallelized MLP-Mixer for tests (16x16 RGB, patch 4, 4 blocks, C 96) with ${k.what}.`,
    source: SOURCE,
    scale: 'cpu',
    schema: parallelMlpMixerSchema,
    defaults: {
      classes: 10,
      imageSize: 16,
      channels: 3,
      patchSize: 4,
      dim: 96,
      depth: 4,
      tokenMlpDim: 48,
      channelMlpDim: 384,
      variant: k.variant,
      ...k.extra,
    },
    create: (config) => new ParallelMlpMixer(config),
  });
  registerModel({
    name: `parallel-mixer-${k.short}-mini`,
    family: 'parallel-mlp-mixer',
    description: `CPU-sized parallelized MLP-Mixer for demos (32x32 RGB, patch 4, 6 blocks, C 192) with ${k.what}.`,
    source: SOURCE,
    scale: 'cpu',
    schema: parallelMlpMixerSchema,
    defaults: {
      classes: 10,
      imageSize: 32,
      channels: 3,
      patchSize: 4,
      dim: 192,
      depth: 6,
      tokenMlpDim: 96,
      channelMlpDim: 768,
      variant: k.variant,
      ...k.extra,
    },
    create: (config) => new ParallelMlpMixer(config),
  });
}

import type { z } from '@ait/core';
import { type FamilyPreset, PRESET_INPUTS, registerFamily } from '../../registry/register-family';
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

const presets: Record<string, FamilyPreset<typeof parallelMlpMixerSchema>> = {};
for (const k of KINDS) {
  const mixer = { variant: k.variant, ...k.extra };
  presets[`parallel-mixer-${k.short}-s16`] = {
    scale: 'paper',
    description:
      `Parallelized MLP-Mixer S/16 of the paper (224x224, patch 16, 8 blocks, C 512, token MLP 256, channel MLP 2048, matrix layer norm) with ${k.what}; ` +
      `${count(PARALLEL_MIXER_S16_PARAMETERS[k.short].scalar)} parameters with one layer-norm gain per block (default), ` +
      `${count(PARALLEL_MIXER_S16_PARAMETERS[k.short].perEntry)} with normGain 'perEntry' (the authors' nn.LayerNorm((196, 512))).`,
    defaults: { ...PRESET_INPUTS.imagenet, patchSize: 16, dim: 512, depth: 8, tokenMlpDim: 256, channelMlpDim: 2048, ...mixer },
  };
  presets[`parallel-mixer-${k.short}-tiny`] = {
    scale: 'cpu',
    description: `CPU-sized parallelized MLP-Mixer for tests (16x16 RGB, patch 4, 4 blocks, C 96) with ${k.what}.`,
    defaults: { ...PRESET_INPUTS.tiny, patchSize: 4, dim: 96, depth: 4, tokenMlpDim: 48, channelMlpDim: 384, ...mixer },
  };
  presets[`parallel-mixer-${k.short}-mini`] = {
    scale: 'cpu',
    description: `CPU-sized parallelized MLP-Mixer for demos (32x32 RGB, patch 4, 6 blocks, C 192) with ${k.what}.`,
    defaults: { ...PRESET_INPUTS.mini, patchSize: 4, dim: 192, depth: 6, tokenMlpDim: 96, channelMlpDim: 768, ...mixer },
  };
}

registerFamily({
  family: 'parallel-mlp-mixer',
  source: SOURCE,
  schema: parallelMlpMixerSchema,
  create: (config) => new ParallelMlpMixer(config),
  presets,
});

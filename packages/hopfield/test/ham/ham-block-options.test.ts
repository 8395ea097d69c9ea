import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, initBackend } from '@ait/core';
import { expectConfigRoundTrip } from '@ait/core/testing';
import { EnergyTransformerBlock, ParallelMixerBlock } from '../../src/index';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** What tfjs' deserialiser does with a saved layer: look its class up by name and call `fromConfig`. */
function loadSaved(className: string, config: tf.serialization.ConfigDict): unknown {
  const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap[className]!;
  return fromConfig(cls, config);
}

// The configs these blocks wrote into saved models before their options moved to a schema; a
// saved model's config must read back as the same options, and new saves must write the same.
const SAVED_ENERGY_TRANSFORMER = {
  name: 'et',
  trainable: true,
  numHeads: 2,
  headDim: 4,
  numMemories: 8,
  steps: 12,
  stepSize: 0.1,
  beta: null,
  epsilon: 0.00001,
  initStddev: 0.02,
  returnEnergies: false,
};
const SAVED_PARALLEL_MIXER = {
  name: 'pm',
  trainable: true,
  tokenHiddenDim: 4,
  channelHiddenDim: 6,
  variant: 'symmetryBreaking',
  useBias: false,
  iterations: 2,
  stepSize: 0.5,
  epsilon: 0.000001,
  symmetryPenalty: 0.3,
  normGain: 'perEntry',
  kernelInitializer: 'truncatedNormal',
};

describe('options of the energy-descent blocks', () => {
  it('EnergyTransformerBlock writes the config it always wrote and reads it back', () => {
    const block = new EnergyTransformerBlock({ name: 'et', numHeads: 2, headDim: 4, numMemories: 8 });
    expect(block.getConfig()).toEqual(SAVED_ENERGY_TRANSFORMER);
    const loaded = loadSaved('AitHopfieldEnergyTransformer', SAVED_ENERGY_TRANSFORMER);
    expect(loaded).toBeInstanceOf(EnergyTransformerBlock);
    expect((loaded as EnergyTransformerBlock).config).toMatchObject({ numHeads: 2, headDim: 4, numMemories: 8, beta: null, steps: 12 });
    expectConfigRoundTrip(new EnergyTransformerBlock({ numHeads: 1, headDim: 3, numMemories: 5, beta: 0.7, returnEnergies: true }));
  });

  it('ParallelMixerBlock writes the config it always wrote, including a changed symmetry penalty', () => {
    const { name: _name, trainable: _trainable, ...options } = SAVED_PARALLEL_MIXER;
    const block = new ParallelMixerBlock({
      name: 'pm',
      ...options,
      variant: 'symmetryBreaking',
      normGain: 'perEntry',
      kernelInitializer: 'truncatedNormal',
    });
    expect(block.getConfig()).toEqual(SAVED_PARALLEL_MIXER);
    block.setSymmetryPenalty(0.05);
    expect(block.symmetryPenalty).toBe(0.05);
    expect(block.config.symmetryPenalty).toBe(0.05);
    expect(block.getConfig()).toEqual({ ...SAVED_PARALLEL_MIXER, symmetryPenalty: 0.05 });
    const loaded = loadSaved('AitHopfieldParallelMixer', block.getConfig()) as ParallelMixerBlock;
    expect(loaded.symmetryPenalty).toBe(0.05);
    expect(loaded.variant).toBe('symmetryBreaking');
    expectConfigRoundTrip(new ParallelMixerBlock({ tokenHiddenDim: 3, channelHiddenDim: 2 }));
  });

  it('bad options throw a ConfigError that names the block and the option', () => {
    expect(() => new EnergyTransformerBlock({ numHeads: 0, headDim: 4, numMemories: 8 })).toThrow(ConfigError);
    expect(() => new EnergyTransformerBlock({ name: 'b', numHeads: 1, headDim: 4, numMemories: 8, beta: -1 })).toThrow(
      /EnergyTransformerBlock 'b'.*beta/s,
    );
    expect(() => new ParallelMixerBlock({ tokenHiddenDim: 4, channelHiddenDim: 4, variant: 'tied' as never })).toThrow(/variant/);
    expect(() => new ParallelMixerBlock({ tokenHiddenDim: 4, channelHiddenDim: 4, iterations: 2.5 })).toThrow(/iterations/);
    expect(() => new ParallelMixerBlock({ tokenHiddenDim: 4, channelHiddenDim: 4, stepsize: 1 } as never)).toThrow(/stepsize/);
  });
});

import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setGlobalSeed } from '@ait/core';
import {
  AitBlock,
  AssociativeTransformer,
  ClassificationHead,
  ClassToken,
  GlobalWorkspaceLayer,
  HopfieldRead,
  QuestionTokenEmbedding,
  TransformerBlock,
  type AssociativeTransformerArgs,
} from '../../src/index';
import { expectConfigRoundTrip, expectRoundTrip } from '../helpers/round-trip';
import { SMALL_AIT } from './small-config';
import { useBackend } from '../helpers/backend';

useBackend('cpu');

const variants: [string, Partial<AssociativeTransformerArgs>][] = [
  ['reference (batch competition, EMA priors)', {}],
  [
    'per-sample competition, learned priors, CLS head, learned positions',
    { competition: 'sample', memory: 'learned', head: 'cls', positionEmbedding: 'learned' },
  ],
  [
    'learned Hopfield projections, 3 steps, mean head',
    { hopfieldProjections: true, hopfieldHeads: 2, hopfieldSteps: 3, beta: 0.5, head: 'mean' },
  ],
  [
    'ablations: no self-attention, no Hopfield (cross-attention)',
    { ablation: { noSelfAttention: true, noHopfield: true }, crossAttentionHeads: 2 },
  ],
  ['ablation: no memory', { ablation: { noMemory: true } }],
  ['convolutional stem, 1x1 patches, sine-cosine positions', { convStem: [4, 6], patchSize: 1, positionEmbedding: 'sincos', head: 'mean' }],
];

describe('AiT serialisation', () => {
  it.each(variants)('round trips: %s', async (_name, overrides) => {
    setGlobalSeed(30);
    const model = new AssociativeTransformer({ ...SMALL_AIT, ...overrides });
    const x = tf.randomNormal([3, 8, 8, 3], 0, 1, 'float32', 2);
    const loaded = await expectRoundTrip(model, [[8, 8, 3]], [x]);
    expectConfigRoundTrip(model);
    expect(loaded.layers[1]?.getClassName()).toBe('AitAssociativeTransformer');
    loaded.dispose();
  });

  it('round trips the Sort-of-CLEVR question-token variant (two inputs)', async () => {
    setGlobalSeed(31);
    const model = new AssociativeTransformer({ ...SMALL_AIT, questionDim: 18 });
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3);
    const q = tf.randomUniform([2, 18], 0, 1, 'float32', 4);
    const loaded = await expectRoundTrip(model, [[8, 8, 3], [18]], [x, q]);
    expectConfigRoundTrip(model);
    loaded.dispose();
  });

  it('getConfig returns the whole config', () => {
    const model = new AssociativeTransformer({ ...SMALL_AIT, competition: 'sample', ablation: { noBalanceLoss: true } });
    const cfg = model.getConfig();
    expect(cfg).toMatchObject({
      ...SMALL_AIT,
      competition: 'sample',
      memory: 'ema',
      memoryMomentum: 0.9,
      memoryUpdateInEval: true,
      writeDropout: 0.1,
      balanceLossWeight: 0.01,
      hopfieldSteps: 1,
      beta: 1,
      head: 'flatten',
      positionEmbedding: 'none',
      questionDim: null,
      ablation: {
        noBottleneck: false,
        noSelfAttention: false,
        noMemory: false,
        noHopfield: false,
        noBalanceLoss: true,
        resetMemory: false,
      },
    });
  });
});

describe('layer classes of the AiT and ViT families', () => {
  const layers = [
    (): unknown => new GlobalWorkspaceLayer({ mlpDim: 8, competition: 'sample', hopfieldSteps: 2, ablation: { noBottleneck: true } }),
    (): unknown => new AitBlock({ numHeads: 2, headDim: 4, workspace: { mlpDim: 8, memory: 'learned' } }),
    (): unknown => new HopfieldRead({ projections: true, numHeads: 2, steps: 3, beta: 0.25, dropout: 0.5 }),
    (): unknown => new TransformerBlock({ numHeads: 2, mlpDim: 8, dropPath: 0.1 }),
    (): unknown => new ClassificationHead({ kind: 'flatten', numClasses: 5 }),
    (): unknown => new QuestionTokenEmbedding({ embedDim: 6 }),
    (): unknown => new ClassToken({ stddev: 0.1 }),
  ];
  it.each(layers.map((make) => [(make() as { getClassName(): string }).getClassName(), make]))(
    '%s is registered and rebuilds from its config',
    (className, make) => {
      const layer = (make as () => { getConfig(): tf.serialization.ConfigDict })();
      const registered = tf.serialization.SerializationMap.getMap().classNameMap[className as string];
      expect(registered).toBeDefined();
      const [cls, fromConfig] = registered as [
        tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
        tf.serialization.FromConfigMethod<tf.serialization.Serializable>,
      ];
      const cfg = layer.getConfig();
      const copy = fromConfig(cls, cfg) as unknown as { getConfig(): tf.serialization.ConfigDict };
      expect(copy.getConfig()).toEqual(cfg);
      expect(JSON.parse(JSON.stringify(cfg))).toEqual(cfg);
    },
  );
});

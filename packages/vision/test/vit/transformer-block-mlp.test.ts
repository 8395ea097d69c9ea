// The transformer block with a layer in the MLP's place (timm's Block(mlp_layer=...)): the AiT
// block is exactly a ViT block with its global workspace layer there.
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, FeedForward, setGlobalSeed } from '@ait/core';
import { describe, expect, it } from 'vitest';
import { AitBlock, GlobalWorkspaceLayer, TransformerBlock } from '../../src/index';
import { useBackend } from '../helpers/backend';

useBackend('cpu');

const WORKSPACE = { mlpDim: 32, memorySlots: 4, memoryDim: 8, memoryHeads: 2, topK: 4 } as const;

describe('TransformerBlock with a custom MLP', () => {
  it('with the global workspace layer as MLP computes what AitBlock computes, with the same weight names', () => {
    setGlobalSeed(3);
    const ait = new AitBlock({ numHeads: 2, headDim: 8, workspace: WORKSPACE, name: 'b' });
    const vitWithGwl = new TransformerBlock({
      numHeads: 2,
      headDim: 8,
      mlp: new GlobalWorkspaceLayer({ ...WORKSPACE, name: 'gwl' }),
      mlpName: 'gwl',
      name: 'b',
    });
    const x = tf.randomNormal([2, 5, 16], 0, 1, 'float32', 4);
    (ait.apply(x) as tf.Tensor).dispose();
    (vitWithGwl.apply(x) as tf.Tensor).dispose();
    expect(vitWithGwl.weights.map((w) => w.originalName)).toEqual(ait.weights.map((w) => w.originalName));
    vitWithGwl.setWeights(ait.getWeights());
    const a = ait.apply(x, { training: false }) as tf.Tensor;
    const b = vitWithGwl.apply(x, { training: false }) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(ait.weights.map((w) => w.originalName).filter((n) => n.includes('/gwl_norm/'))).toHaveLength(2);
    tf.dispose([x, a, b]);
    ait.dispose();
    vitWithGwl.dispose();
  });

  it('serialises a custom MLP as { className, config } and rebuilds it', () => {
    const block = new TransformerBlock({
      numHeads: 2,
      mlp: new FeedForward({ hiddenDim: 12, name: 'ffn' }),
      mlpName: 'ffn',
      dropPath: 0.1,
    });
    const cfg = block.getConfig();
    expect(cfg.mlp).toMatchObject({ className: 'AitFeedForward', config: { hiddenDim: 12, name: 'ffn' } });
    expect(JSON.parse(JSON.stringify(cfg))).toEqual(cfg);
    const copy = TransformerBlock.fromConfig(TransformerBlock, cfg) as TransformerBlock;
    expect(copy.getConfig()).toEqual(cfg);
    const x = tf.randomNormal([1, 3, 8]);
    (copy.apply(x) as tf.Tensor).dispose();
    expect(copy.weights.map((w) => w.originalName)).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/ffn_norm\/gamma$/), expect.stringMatching(/\/ffn\//)]),
    );
    x.dispose();
    copy.dispose();
  });

  it('names a missing, doubled or misnamed MLP', () => {
    expect(() => new TransformerBlock({ numHeads: 2 })).toThrow(ConfigError);
    expect(() => new TransformerBlock({ numHeads: 2 })).toThrow(/give mlpDim \(the default MLP\) or an mlp layer/);
    expect(() => new TransformerBlock({ numHeads: 2, mlpDim: 8, mlp: new FeedForward({ hiddenDim: 8, name: 'mlp' }) })).toThrow(
      /give mlpDim or mlp, not both/,
    );
    expect(() => new TransformerBlock({ numHeads: 2, mlp: new FeedForward({ hiddenDim: 8, name: 'other' }) })).toThrow(
      /named "other"; give it the block's mlpName "mlp"/,
    );
  });
});

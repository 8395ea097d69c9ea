import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initializers, input, layers, sequential, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { AdamW, AitLayer, countParameters, crossEntropy, globalRng, modelSummary, parameterRefs } from '../../src/index';
import { useBackend } from '../../testing/index';

/** A minimal dense layer built on AitLayer: kernel [in, units] and bias [units]. */
class TestAffine extends AitLayer {
  static readonly className = 'TestAffine';
  constructor(
    private readonly units: number,
    name: string,
  ) {
    super({ name });
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = inputShape as Shape;
    const inDim = shape[shape.length - 1] as number;
    this.addWeight('kernel', [inDim, this.units], 'float32', initializers.glorotUniform({ seed: globalRng().nextSeed() }));
    this.addWeight('bias', [this.units], 'float32', initializers.zeros());
    this.built = true;
  }
}

/** A composite layer: two tracked children and its own non-trainable buffer [5]. */
class TestBlock extends AitLayer {
  static readonly className = 'TestBlock';
  private readonly first: TestAffine;
  private readonly second: TestAffine;
  buffer: LayerVariable | null = null;

  constructor(name: string, childNames: [string, string] = ['query', 'out']) {
    super({ name });
    this.first = this.track(new TestAffine(3, childNames[0]));
    this.second = this.track(new TestAffine(2, childNames[1]));
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = inputShape as Shape;
    this.buildChild(this.first, shape);
    this.buildChild(this.second, [...shape.slice(0, -1), 3]);
    this.buffer = this.addWeight('buffer', [5], 'float32', initializers.zeros(), undefined, false);
    this.built = true;
  }
}

function threeLayerModel() {
  const model = sequential({
    layers: [
      layers.dense({ units: 3, inputShape: [4], name: 'first' }),
      layers.batchNormalization({ name: 'norm' }),
      layers.dense({ units: 2, name: 'head' }),
    ],
  });
  return model;
}

describe('parameter counts, summaries and parameter refs', () => {
  useBackend('cpu', 11);

  it('counts a sequential dense model exactly', () => {
    const model = sequential({
      layers: [layers.dense({ units: 3, inputShape: [4] }), layers.dense({ units: 2 })],
    });
    // 4*3 + 3 + 3*2 + 2
    expect(countParameters(model)).toEqual({ trainable: 23, nonTrainable: 0, total: 23 });
    model.dispose();
  });

  it('separates non-trainable weights (batch norm moving statistics, frozen layers)', () => {
    const model = threeLayerModel();
    // dense 4*3+3 = 15, batch norm gamma+beta 6 (+ moving mean/variance 6), dense 3*2+2 = 8
    expect(countParameters(model)).toEqual({ trainable: 29, nonTrainable: 6, total: 35 });
    expect(countParameters(model).total).toBe(model.countParams());
    (model.layers[0] as layers.Layer).trainable = false;
    expect(countParameters(model)).toEqual({ trainable: 14, nonTrainable: 21, total: 35 });
    model.dispose();
  });

  it('counts an AitLayer with tracked children and a non-trainable buffer', () => {
    const block = new TestBlock('block');
    block.apply(input({ shape: [4] })); // builds it for [null, 4]
    // query 4*3+3 = 15, out 3*2+2 = 8, buffer 5 (non-trainable)
    expect(countParameters(block)).toEqual({ trainable: 23, nonTrainable: 5, total: 28 });
    const refs = parameterRefs(block);
    expect(refs.map((r) => r.name)).toEqual(['block/query/kernel', 'block/query/bias', 'block/out/kernel', 'block/out/bias']);
    expect(refs.map((r) => r.variable.shape)).toEqual([[4, 3], [3], [3, 2], [2]]);
    const summary = modelSummary(block);
    expect(summary).toContain('block (TestBlock)');
    expect(summary).toContain('query (TestAffine)');
    expect(summary).toMatch(/buffer\s+\[5\]\s+5\s+no/);
    expect(summary).toMatch(/query\/kernel\s+\[4, 3\]\s+12\s+yes/);
    expect(summary).toContain('Trainable params: 23');
    expect(summary).toContain('Non-trainable params: 5');
    expect(summary).toContain('Total params: 28');
    block.dispose();
  });

  it('parameterRefs refuses two weights with the same name', () => {
    const block = new TestBlock('twins', ['dup', 'dup']);
    block.apply(input({ shape: [4] }));
    expect(() => parameterRefs(block)).toThrow(/two trainable weights share the name "twins\/dup\/kernel"/);
    block.dispose();
  });

  it('refuses layers that are not built', () => {
    const dense = layers.dense({ units: 2 });
    expect(() => countParameters(dense)).toThrow(/not built/);
    expect(() => modelSummary(dense)).toThrow(/not built/);
    expect(() => parameterRefs(new TestBlock('unbuilt'))).toThrow(/not built/);
  });

  it('modelSummary lists every weight grouped by layer, then exact totals', () => {
    const model = threeLayerModel();
    const summary = modelSummary(model);
    const lines = summary.split('\n');
    const rows = lines.filter((l) => /\s(yes|no)$/.test(l));
    expect(rows).toHaveLength(8);
    expect(summary).toContain('norm (BatchNormalization)');
    expect(summary).toMatch(/first\/kernel\s+\[4, 3\]\s+12\s+yes/);
    expect(summary).toMatch(/norm\/moving_mean\s+\[3\]\s+3\s+no/);
    expect(summary).toMatch(/head\/bias\s+\[2\]\s+2\s+yes/);
    // Group headers come before their weights.
    expect(lines.findIndex((l) => l.startsWith('head (Dense)'))).toBeLessThan(lines.findIndex((l) => /head\/kernel/.test(l)));
    expect(lines.findIndex((l) => l.startsWith('norm (BatchNormalization)'))).toBeGreaterThan(
      lines.findIndex((l) => /first\/bias/.test(l)),
    );
    expect(lines.slice(-3)).toEqual(['Trainable params: 29', 'Non-trainable params: 6', 'Total params: 35']);

    const short = modelSummary(model, { maxRows: 2 });
    expect(short.split('\n').filter((l) => /\s(yes|no)$/.test(l))).toHaveLength(2);
    expect(short).toContain('... 6 more weight(s) with 20 parameters not shown');
    expect(short).toContain('Total params: 35');
    expect(() => modelSummary(model, { maxRows: 0 })).toThrow(/maxRows must be a positive integer/);
    model.dispose();
  });

  it('formats large totals with thousands separators', () => {
    const model = sequential({ layers: [layers.dense({ units: 100, inputShape: [100] })] });
    expect(countParameters(model).total).toBe(10_100);
    expect(modelSummary(model)).toContain('Total params: 10,100');
    model.dispose();
  });

  it('parameterRefs hold the live variables of a model, and AdamW trains them', () => {
    const model = sequential({
      layers: [layers.dense({ units: 3, inputShape: [4], name: 'refs_hidden' }), layers.dense({ units: 2, name: 'refs_out' })],
    });
    const refs = parameterRefs(model);
    expect(refs.map((r) => r.name)).toEqual(['refs_hidden/kernel', 'refs_hidden/bias', 'refs_out/kernel', 'refs_out/bias']);
    refs.forEach((r, i) => expect(r.variable).toBe(model.trainableWeights[i]?.read()));

    const x = tf.tensor2d([
      [1, 2, 3, 4],
      [-1, 0.5, 0, 2],
    ]);
    const y = tf.tensor1d([0, 1], 'int32');
    const before = refs.map((r) => Array.from(r.variable.dataSync()));
    const { value, grads } = tf.variableGrads(
      () => crossEntropy(model.apply(x) as tf.Tensor, y),
      refs.map((r) => r.variable),
    );
    const gradients = refs.map((r) => grads[r.variable.name] as tf.Tensor);
    const gValues = gradients.map((g) => Array.from(g.dataSync()));
    const lr = 0.01;
    const wd = 0.05;
    const opt = new AdamW({ learningRate: lr, weightDecay: wd });
    opt.applyGradients(refs, gradients);
    // First AdamW step: p <- p (1 - lr wd [rank >= 2]) - lr g / (|g| + eps).
    refs.forEach((r, i) => {
      const decay = r.variable.rank >= 2 ? 1 - lr * wd : 1;
      const expected = (before[i] as number[]).map((p, j) => {
        const g = gValues[i]?.[j] as number;
        return p * decay - (lr * g) / (Math.abs(g) + 1e-8);
      });
      const got = model.trainableWeights[i]?.read().dataSync() as Float32Array;
      expected.forEach((e, j) => expect(got[j]).toBeCloseTo(e, 6));
    });
    tf.dispose([x, y, value, ...gradients]);
    opt.dispose();
    model.dispose();
  });
});

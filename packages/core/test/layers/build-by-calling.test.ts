// AitLayer.buildByCalling: a composite layer builds its children by running its forward pass
// once; the pass builds them in call order for the shapes they really get, keeps nothing and
// reports nothing, and is skipped when an eager call follows the build.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { input, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import {
  addAuxLoss,
  AitLayer,
  createForwardContext,
  createKernelInitializer,
  Dense,
  runWithForwardContext,
  scheduleStateUpdate,
  setGlobalSeed,
  widthOnlyShape,
  type CallKwargs,
} from '../../src/index';
import { useBackend } from '../../testing/index';

useBackend('cpu', 23);

/**
 * Tokens `[batch, tokens, dim]` -> `second(first(x)) * scale`, with the children tracked in the
 * opposite order of the calls, a state variable updated on every call, an auxiliary loss, a kept
 * copy, and (optionally) a weight from `addWeightAfterChildren`.
 */
class Pipeline extends AitLayer {
  static className = 'TestPipeline';
  readonly second: Dense;
  readonly first: Dense;
  scale: LayerVariable | null = null;
  counter: LayerVariable | null = null;
  readonly seen: number[][] = [];
  calls = 0;

  constructor(
    readonly lateScale = false,
    readonly failOnOneToken = false,
  ) {
    super({ name: 'pipe' });
    this.second = this.track(new Dense({ units: 3, name: 'second' }));
    this.first = this.track(new Dense({ units: 5, name: 'first' }));
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = inputShape as Shape;
    const init = (): ReturnType<typeof createKernelInitializer> => createKernelInitializer('truncatedNormal', 1);
    this.scale = this.lateScale ? this.addWeightAfterChildren('scale', [3], init) : this.addWeight('scale', [3], 'float32', init());
    this.counter = this.addWeight('counter', [1], 'float32', createKernelInitializer('zeros'), undefined, false);
    this.buildByCalling(widthOnlyShape(shape, shape[2] as number));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...(inputShape as Shape).slice(0, -1), 3];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const x = inputs as tf.Tensor;
    this.calls++;
    this.seen.push([...x.shape]);
    if (this.failOnOneToken && x.shape[1] === 1) throw new Error('one token is not enough');
    return tf.tidy(() => {
      const y = tf.mul(this.callChild(this.second, this.callChild(this.first, x, kwargs), kwargs), (this.scale as LayerVariable).read());
      scheduleStateUpdate((this.counter as LayerVariable).read() as tf.Variable, tf.add((this.counter as LayerVariable).read(), 1));
      addAuxLoss('pipe/aux', tf.sum(y));
      this.keepCopy('last', y);
      return y;
    });
  }

  get lastOutput(): tf.Tensor | null {
    return this.keptCopy('last');
  }

  get inPass(): boolean {
    return this.inBuildPass;
  }
}

describe('AitLayer.buildByCalling', () => {
  it('builds the children in call order for the shapes they get, named under the layer in track order', () => {
    setGlobalSeed(4);
    const layer = new Pipeline();
    layer.apply(input({ shape: [7, 4] }));
    expect(layer.calls).toBe(1);
    // the pass ran on one example of one token, the known width kept
    expect(layer.seen).toEqual([[1, 1, 4]]);
    // trainable weights first (own, then the children in track order), then the non-trainable counter
    expect(layer.weights.map((w) => `${w.originalName} ${w.shape.join('x')}`)).toEqual([
      'pipe/scale 3',
      'pipe/second/kernel 5x3',
      'pipe/second/bias 3',
      'pipe/first/kernel 4x5',
      'pipe/first/bias 5',
      'pipe/counter 1',
    ]);
    // seeds in build order: the own weight first, then `first` (called first), then `second`
    setGlobalSeed(4);
    const scale = createKernelInitializer('truncatedNormal', 1).apply([3]);
    const first = createKernelInitializer('glorotUniform').apply([4, 5]);
    const second = createKernelInitializer('glorotUniform').apply([5, 3]);
    expect(Array.from(layer.scale?.read().dataSync() ?? [])).toEqual(Array.from(scale.dataSync()));
    expect(Array.from(layer.first.getWeights()[0]?.dataSync() ?? [])).toEqual(Array.from(first.dataSync()));
    expect(Array.from(layer.second.getWeights()[0]?.dataSync() ?? [])).toEqual(Array.from(second.dataSync()));
    tf.dispose([scale, first, second]);
    layer.dispose();
  });

  it('keeps nothing of the pass: no tensors, state updates, auxiliary losses or copies, even inside a training loop', () => {
    const layer = new Pipeline();
    const before = tf.memory().numTensors;
    const ctx = createForwardContext(true);
    runWithForwardContext(ctx, () => layer.apply(input({ shape: [2, 4] })));
    // the weights are the only new tensors
    expect(tf.memory().numTensors - before).toBe(layer.weights.length);
    expect(ctx.stateUpdates).toEqual([]);
    expect(ctx.auxLosses).toEqual([]);
    expect(layer.counter?.read().dataSync()[0]).toBe(0);
    expect(layer.lastOutput).toBeNull();
    expect(layer.inPass).toBe(false);
    // a real call outside a loop updates the state at once and keeps its copy
    const y = layer.apply(tf.ones([2, 2, 4])) as tf.Tensor;
    expect(layer.counter?.read().dataSync()[0]).toBe(1);
    expect(layer.lastOutput?.shape).toEqual([2, 2, 3]);
    tf.dispose(y);
    layer.dispose();
  });

  it('is skipped when an eager call follows the build: apply, callChild and prepareChild', () => {
    const layer = new Pipeline();
    const x = tf.ones([2, 3, 4]);
    const y = layer.apply(x) as tf.Tensor;
    expect(layer.calls).toBe(1);
    expect(layer.seen).toEqual([[2, 3, 4]]);
    expect(layer.first.built && layer.second.built).toBe(true);

    class Outer extends AitLayer {
      static className = 'TestOuter';
      readonly inner = this.track(new Pipeline());
      override build(shape: Shape | Shape[]): void {
        this.buildByCalling(shape);
      }
      override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
        return this.callChild(this.inner, inputs, kwargs);
      }
    }
    const outer = new Outer({ name: 'outer' });
    outer.apply(input({ shape: [3, 4] }));
    // the outer pass called the inner layer once, which built its children itself
    expect(outer.inner.calls).toBe(1);
    expect(outer.weights.map((w) => w.originalName)).toContain('outer/pipe/first/kernel');
    tf.dispose([x, y]);
    layer.dispose();
    outer.dispose();
  });

  it('draws the seeds of addWeightAfterChildren weights after the children, and a first eager call already uses them', () => {
    setGlobalSeed(9);
    const layer = new Pipeline(true);
    const x = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 1);
    const y1 = layer.apply(x) as tf.Tensor;
    // the build ran its pass although a call followed: the late weight is drawn before that call
    expect(layer.calls).toBe(2);
    setGlobalSeed(9);
    const first = createKernelInitializer('glorotUniform').apply([4, 5]);
    const second = createKernelInitializer('glorotUniform').apply([5, 3]);
    const scale = createKernelInitializer('truncatedNormal', 1).apply([3]);
    expect(Array.from(layer.first.getWeights()[0]?.dataSync() ?? [])).toEqual(Array.from(first.dataSync()));
    expect(Array.from(layer.second.getWeights()[0]?.dataSync() ?? [])).toEqual(Array.from(second.dataSync()));
    expect(Array.from(layer.scale?.read().dataSync() ?? [])).toEqual(Array.from(scale.dataSync()));
    expect(Array.from(scale.dataSync()).some((v) => v !== 0)).toBe(true);
    const y2 = layer.apply(x) as tf.Tensor;
    expect(Array.from(y1.dataSync())).toEqual(Array.from(y2.dataSync()));
    // the weight keeps its place: an own weight, listed before the children
    expect(layer.trainableWeights.map((w) => w.originalName)).toEqual([
      'pipe/scale',
      'pipe/second/kernel',
      'pipe/second/bias',
      'pipe/first/kernel',
      'pipe/first/bias',
    ]);
    tf.dispose([x, y1, y2, first, second, scale]);
    layer.dispose();
  });

  it('leaves the layer unbuilt and passes the error on when the pass fails', () => {
    const layer = new Pipeline(false, true);
    expect(() => layer.apply(input({ shape: [3, 4] }))).toThrow(/one token is not enough/);
    expect(layer.built).toBe(false);
  });
});

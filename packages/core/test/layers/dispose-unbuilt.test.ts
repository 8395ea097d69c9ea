// AitLayer.dispose on a layer that was never built, or whose build stopped part-way (a model given
// inputs it does not take): it must not throw (which would hide the build's own error) and must
// free the weights its children built so far.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { AitLayer, Dense } from '../../src/index';
import { useBackend } from '../../testing/index';

useBackend('cpu', 5);

/** `[batch, 3] -> first -> second -> [batch, 2]`, two tracked Dense children. */
class TwoDense extends AitLayer {
  static className = 'TestTwoDense';
  readonly first: Dense;
  readonly second: Dense;
  constructor() {
    super({ name: 'two_dense' });
    this.first = this.track(new Dense({ units: 4, name: 'first' }));
    this.second = this.track(new Dense({ units: 2, name: 'second' }));
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return tf.tidy(() => this.callChild(this.second, this.callChild(this.first, x)));
  }
}

describe('disposing a layer that is not built', () => {
  it('a layer never built disposes without error and frees nothing', () => {
    const before = tf.memory().numTensors;
    const layer = new TwoDense();
    expect(layer.dispose()).toEqual({ refCountAfterDispose: 0, numDisposedVariables: 0 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("frees the weights of the children built before the parent's build stopped", () => {
    const before = tf.memory().numTensors;
    const layer = new TwoDense();
    const x = tf.ones([2, 3]);
    // the first child built on its own (as when a parent's build fails after it): kernel and bias
    tf.dispose(layer.first.apply(x) as tf.Tensor);
    x.dispose();
    expect(layer.built).toBe(false);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(layer.dispose().numDisposedVariables).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a built layer still disposes as before', () => {
    const before = tf.memory().numTensors;
    const layer = new TwoDense();
    const x = tf.ones([2, 3]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    x.dispose();
    expect(tf.memory().numTensors).toBe(before + 4);
    expect(layer.dispose()).toEqual({ refCountAfterDispose: 0, numDisposedVariables: 4 });
    expect(tf.memory().numTensors).toBe(before);
  });
});

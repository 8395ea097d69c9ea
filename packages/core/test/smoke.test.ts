import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, SeededRandom } from '../src/index';

describe('smoke', () => {
  it('initialises cpu and draws numbers', async () => {
    const info = await initBackend({ backend: 'cpu' });
    expect(info.tfjsBackend).toBe('cpu');
    const r = new SeededRandom(1);
    const s = r.getState();
    const a = [r.next(), r.next()];
    const r2 = SeededRandom.fromState(s);
    expect([r2.next(), r2.next()]).toEqual(a);
    expect(tf.add(1, 2).dataSync()[0]).toBe(3);
  });
});

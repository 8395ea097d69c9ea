// Starts tfjs-wasm's threaded build, which replaces the process's wasm backend: this file runs
// alone (vitest isolates test files).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import type { TrainSummary } from '../src/index';
import { cli } from './helpers';

describe('ait train --threads', () => {
  const dir = useTempDir('ait-cli-');

  it('trains on the threaded wasm build with the given number of threads', async () => {
    const args = ['--train-size', '32', '--test-size', '16', '--epochs', '1', '--batch-size', '16', '--backend', 'wasm'];
    const r = await cli('train', ...args, '--threads', '2', '--out', join(dir(), 'threads'));
    expect(r.code, r.err).toBe(0);
    expect(r.err.split('\n')[0]).toMatch(/backend wasm \(WebAssembly backend ready \(SIMD, 2 thread\(s\)\)\)/);
    const json = await cli('train', ...args, '--threads', '2', '--out', join(dir(), 'threads-json'), '--json');
    const summary = JSON.parse(json.out) as TrainSummary;
    expect(summary).toMatchObject({ status: 'completed', backend: 'wasm', epochs: 1, steps: 2 });
    expect(summary.finalAccuracy).not.toBeNull();
    for (const value of ['0', '16']) {
      // out of tfjs-wasm's 1-8: exit 2 with the valid range, never a slow fall-back
      const bad = await cli('train', '--threads', value);
      expect(bad.code, value).toBe(2);
      expect(bad.err, value).toMatch(/--threads.*expected an integer from 1 to 8, got "/);
    }
  });
});

// A batch that cannot fit is refused before the first step, with the size that fits; running out of
// memory mid-run (tfjs-wasm's "Aborted()") is named with what to do.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import { memoryBudget, outOfMemoryError, WASM_MEMORY_BYTES } from '../src/util/step-memory-check';
import { cli, tinyConfigFile } from './helpers';

describe('step memory', () => {
  const dir = useTempDir('ait-cli-');

  it('refuses a step that would not fit, naming its size and the batch size that fits, which then trains', async () => {
    const config = await tinyConfigFile(dir());
    process.env.AIT_MEMORY_LIMIT = '1e7';
    try {
      const r = await cli('train', '--config', config, '--out', join(dir(), 'big'), '--batch-size', '32');
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(
        /^error: A training step of this model at batch size 32 needs about [\d.]+ MB of tensor memory \([\d.]+ (KB|MB) per example\), far more than fits in the AIT_MEMORY_LIMIT of 10 MB\. Lower --batch-size to \d+ or less, or use a smaller model\.$/m,
      );
      const fits = Number(/Lower --batch-size to (\d+)/.exec(r.err)?.[1]);
      expect(fits).toBeGreaterThanOrEqual(1);
      expect(fits).toBeLessThan(32);
      const ok = await cli('train', '--config', config, '--out', join(dir(), 'fits'), '--batch-size', String(fits), '--epochs', '1');
      expect(ok.code, ok.err).toBe(0);
    } finally {
      delete process.env.AIT_MEMORY_LIMIT;
    }
  });

  it('names the budget of each backend and refuses a bad AIT_MEMORY_LIMIT', () => {
    expect(memoryBudget('wasm', {})).toEqual({ bytes: WASM_MEMORY_BYTES, what: "the wasm backend's 4 GB of memory" });
    expect(memoryBudget('cpu', {})?.what).toMatch(/free memory/);
    expect(memoryBudget('webgpu', {})).toBeNull();
    expect(memoryBudget('wasm', { AIT_MEMORY_LIMIT: '8e9' })).toEqual({ bytes: 8e9, what: 'the AIT_MEMORY_LIMIT of 8.0 GB' });
    expect(() => memoryBudget('wasm', { AIT_MEMORY_LIMIT: 'lots' })).toThrow(/AIT_MEMORY_LIMIT must be a number of bytes/);
  });

  it("turns tfjs-wasm's Aborted() into what ran out and what to do, and leaves other errors alone", () => {
    const e = outOfMemoryError(new Error('Aborted(). Build with -sASSERTIONS for more info.'), 4096, '/runs/x');
    expect(e?.message).toMatch(
      /^Training ran out of memory at batch size 4096 \(the backend said: Error: Aborted\(\)\. .*\)\. The checkpoints in \/runs\/x are intact\. Start a new run with a lower --batch-size \(e\.g\. 2048\)/,
    );
    expect(outOfMemoryError(new RangeError('Array buffer allocation failed'), 64, '/r')?.exitCode).toBe(1);
    expect(outOfMemoryError(new Error('labels[3] = 7 is not a class index'), 64, '/r')).toBeUndefined();
  });
});

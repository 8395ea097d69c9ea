import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointFileName, latestCheckpoint, listCheckpoints, pruneCheckpoints } from '../../src/index';
import { useTempDir } from '../../testing/index';

const dir = useTempDir('ait-ckdir-');

describe('checkpoint directories', () => {
  it('names checkpoints so that they sort in training order and lists only checkpoints', async () => {
    expect(checkpointFileName({ epoch: 3, step: 120, stepInEpoch: 0 })).toBe('ckpt-s000000120-e00003.ckpt');
    const positions = [
      { epoch: 0, step: 5, stepInEpoch: 5 },
      { epoch: 1, step: 10, stepInEpoch: 0 },
      { epoch: 0, step: 10, stepInEpoch: 10 },
      { epoch: 10, step: 100, stepInEpoch: 0 },
      { epoch: 1, step: 9, stepInEpoch: 9 },
    ];
    for (const p of positions) await writeFile(join(dir(), checkpointFileName(p)), 'x');
    await writeFile(join(dir(), '.tmp-ckpt-s000000200-e00011.ckpt.123.abc'), 'partial');
    await writeFile(join(dir(), 'notes.txt'), 'n');
    const listed = await listCheckpoints(dir());
    expect(listed.map((e) => [e.step, e.epoch])).toEqual([
      [5, 0],
      [9, 1],
      [10, 0],
      [10, 1],
      [100, 10],
    ]);
    expect(await latestCheckpoint(dir())).toBe(join(dir(), 'ckpt-s000000100-e00010.ckpt'));
    expect(await listCheckpoints(join(dir(), 'nope'))).toEqual([]);
    expect(await latestCheckpoint(join(dir(), 'nope'))).toBeUndefined();
  });

  it('prunes all but the newest checkpoints and never the protected one', async () => {
    const deleted = await pruneCheckpoints(dir(), 2, join(dir(), 'ckpt-s000000005-e00000.ckpt'));
    expect(deleted.map((p) => p.slice(dir().length + 1)).sort()).toEqual(['ckpt-s000000009-e00001.ckpt', 'ckpt-s000000010-e00000.ckpt']);
    expect((await readdir(dir())).sort()).toEqual([
      '.tmp-ckpt-s000000200-e00011.ckpt.123.abc',
      'ckpt-s000000005-e00000.ckpt',
      'ckpt-s000000010-e00001.ckpt',
      'ckpt-s000000100-e00010.ckpt',
      'notes.txt',
    ]);
    await expect(pruneCheckpoints(dir(), 0)).rejects.toThrow(/keep must be an integer >= 1/);
  });
});

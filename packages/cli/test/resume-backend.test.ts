// A run records the backend it started on; `ait train --resume` without --backend continues on it
// (the resumed run then computes the same bits), and --backend still overrides it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import type { RunConfig, TrainSummary } from '../src/index';
import { cli, tinyConfigFile } from './helpers';

describe('ait train --resume keeps the backend of the run', () => {
  const dir = useTempDir('ait-cli-');

  it('records the backend in run.json and resumes on it without --backend', async () => {
    const config = await tinyConfigFile(dir(), { epochs: 1 });
    const run = join(dir(), 'run');
    const first = await cli('train', '--config', config, '--out', run, '--quiet');
    expect(first.code, first.err).toBe(0);
    const saved = JSON.parse(await readFile(join(run, 'run.json'), 'utf8')) as RunConfig;
    expect(saved.backend).toBe('cpu');
    // no --backend: 'auto' would pick wasm on this machine; the run's cpu is kept
    const resumed = await cli('train', '--resume', run, '--epochs', '2', '--json');
    expect(resumed.code, resumed.err).toBe(0);
    expect((JSON.parse(resumed.out) as TrainSummary).backend).toBe('cpu');
    const after = JSON.parse(await readFile(join(run, 'run.json'), 'utf8')) as RunConfig;
    expect(after.backend).toBe('cpu');
  });
});

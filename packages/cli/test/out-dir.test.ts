import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import { describeFsError } from '../src/util/fs-error';
import { cli, tinyConfigFile } from './helpers';

describe('ait train --out that cannot hold a run: what is wrong with which path, and what to do (exit 2)', () => {
  const dir = useTempDir('ait-cli-');
  let config: string;
  let file: string;
  beforeAll(async () => {
    config = await tinyConfigFile(dir(), { epochs: 1 });
    file = join(dir(), 'a-file');
    await writeFile(file, 'not a folder');
  });

  it('--out naming a file', async () => {
    const r = await cli('train', '--config', config, '--out', file, '--json');
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: --out ${file} is a file, not a folder; give a folder for the run (a new or empty one).\n`);
    expect(JSON.parse(r.out)).toMatchObject({ exitCode: 2 });
  });

  it('--out under a file (Node would say ENOTDIR)', async () => {
    const r = await cli('train', '--config', config, '--out', join(file, 'run', 'deeper'));
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `error: --out ${join(file, 'run', 'deeper')} cannot be created: ${file} is a file, not a folder. Choose another path.\n`,
    );
    expect(r.err).not.toMatch(/ENOTDIR/);
  });

  it('the out key of a config file is named as such', async () => {
    await mkdir(join(dir(), 'other'), { recursive: true });
    const withOut = await tinyConfigFile(join(dir(), 'other'), { epochs: 1, out: join(file, 'run') });
    const r = await cli('train', '--config', withOut);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: key "out" of .*tiny\.yaml .*a-file\/run cannot be created: .*a-file is a file, not a folder/);
  });

  // root writes through permission bits, so the check cannot be seen failing there
  it.skipIf(process.getuid?.() === 0 || process.platform === 'win32')(
    '--out inside a folder without write permission (EACCES); skipped as root, who may write anyway',
    async () => {
      const locked = join(dir(), 'read-only');
      await mkdir(locked);
      await chmod(locked, 0o555);
      try {
        const r = await cli('train', '--config', config, '--out', join(locked, 'run'));
        expect(r.code).toBe(2);
        expect(r.err).toBe(
          `error: --out ${join(locked, 'run')} cannot be created: you have no write permission in ${locked}. Choose a folder you can write to, or change its permissions.\n`,
        );
      } finally {
        await chmod(locked, 0o755);
      }
    },
  );

  it('nothing is left behind when a new run fails before it starts', async () => {
    const bad = join(dir(), 'bad-model.yaml');
    await writeFile(bad, 'model: ait-tiny\ntrainSize: 8\ntestSize: 4\nbackend: cpu\nmodelConfig:\n  depth: -2\n');
    const failed = await cli('train', '--config', bad, '--out', join(dir(), 'never', 'here'));
    expect(failed.code).toBe(2);
    expect(failed.err).toMatch(/Model "ait-tiny" rejects its config/);
    expect(existsSync(join(dir(), 'never'))).toBe(false);
  });

  it('file-system errors are put in words: path, problem, fix', () => {
    const err = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      syscall: 'write',
      path: '/runs/a/metrics.jsonl',
    });
    expect(describeFsError(err)).toBe(
      'cannot write /runs/a/metrics.jsonl: the disk is full (ENOSPC); free some space (or choose a folder on another disk).',
    );
    const ro = Object.assign(new Error('EROFS: read-only file system, mkdir'), { code: 'EROFS', syscall: 'mkdir', path: '/mnt/ro/run' });
    expect(describeFsError(ro)).toBe(
      'cannot create /mnt/ro/run: the file system is read-only (EROFS); choose a folder on a writable disk (e.g. under your home folder).',
    );
  });
});

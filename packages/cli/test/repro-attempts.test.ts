import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ATTEMPTS_FILE, attemptSeconds, closeAttempt, openAttempt, parseAttemptLine } from '../src/repro/repro-attempts';
import { removeDir, tempDir } from './helpers';

const RUN = 'runs/sort-of-clevr/ait-conv/seed-1';
const OTHER = 'runs/triangle/vit/seed-0';
const at = (iso: string): Date => new Date(iso);

/** Writes a run's metrics.jsonl with an epoch line at each of `times` (and a line cut by a kill). */
async function metrics(out: string, run: string, times: readonly string[]): Promise<void> {
  await mkdir(join(out, run), { recursive: true });
  const lines = times.map((time, i) => JSON.stringify({ type: 'epoch', epoch: i + 1, time }));
  await writeFile(join(out, run, 'metrics.jsonl'), `${lines.join('\n')}\n{"type":"epoch","ep`);
}

describe('attempts of a suite (attempts.jsonl)', () => {
  let out = '';
  afterEach(async () => {
    if (out !== '') await removeDir(out);
  });

  it('closed attempts add their seconds once; old lines without a start count; a cut line is skipped', async () => {
    out = await tempDir('ait-attempts-');
    const t1 = at('2026-12-06T21:29:00.000Z');
    const t2 = at('2026-12-06T23:25:00.000Z');
    await openAttempt(out, RUN, t1);
    await closeAttempt(out, RUN, t1, 2385, 130);
    await openAttempt(out, RUN, t2);
    await closeAttempt(out, RUN, t2, 2488.5, 0);
    await writeFile(join(out, ATTEMPTS_FILE), `${JSON.stringify({ run: OTHER, seconds: 7, code: 0 })}\n{"run":"runs/x","sec`, {
      flag: 'a',
    });
    const seconds = await attemptSeconds(out);
    expect(seconds.get(RUN)).toBeCloseTo(2385 + 2488.5, 9);
    expect(seconds.get(OTHER)).toBe(7);
    expect(seconds.has('runs/x')).toBe(false);
  });

  it('an attempt opened and never closed (killed) counts from its start to the last epoch it recorded', async () => {
    out = await tempDir('ait-attempts-');
    const first = at('2026-12-06T21:29:00.000Z');
    const killed = at('2026-12-06T22:37:35.000Z');
    const last = at('2026-12-06T23:25:00.000Z');
    await openAttempt(out, RUN, first);
    await closeAttempt(out, RUN, first, 2385, 130);
    await openAttempt(out, RUN, killed); // epoch 2 ended at 22:57:42, then the process was killed
    await openAttempt(out, RUN, last);
    await closeAttempt(out, RUN, last, 2488.5, 0);
    // the epoch before the killed attempt (22:09) is not its progress, nor are the epochs of the
    // attempt after it (23:46, 00:07), which its closing line times
    await metrics(out, RUN, [
      '2026-12-06T22:09:00.000Z',
      '2026-12-06T22:57:42.000Z',
      '2026-12-06T23:46:27.000Z',
      '2026-12-07T00:07:00.000Z',
    ]);
    expect((await attemptSeconds(out)).get(RUN)).toBeCloseTo(2385 + 2488.5 + 1207, 6);
  });

  it('a killed attempt that recorded no epoch after its start adds nothing (a lower bound)', async () => {
    out = await tempDir('ait-attempts-');
    const started = at('2026-12-07T01:00:00.000Z');
    await openAttempt(out, OTHER, started);
    expect((await attemptSeconds(out)).has(OTHER)).toBe(false);
    await metrics(out, OTHER, ['2026-12-07T00:59:00.000Z']);
    expect((await attemptSeconds(out)).has(OTHER)).toBe(false);
    await metrics(out, OTHER, ['2026-12-07T00:59:00.000Z', '2026-12-07T01:04:30.000Z', '2026-12-07T01:02:00.000Z']);
    expect((await attemptSeconds(out)).get(OTHER)).toBeCloseTo(270, 9);
  });

  it('parseAttemptLine: the fields of either form; undefined for what is no attempt', () => {
    expect(parseAttemptLine('{"run":"r","seconds":3,"code":0}')).toEqual({ run: 'r', seconds: 3, code: 0 });
    expect(parseAttemptLine('{"run":"r","startedAt":"2026-12-07T00:00:00.000Z"}')).toEqual({
      run: 'r',
      startedAt: '2026-12-07T00:00:00.000Z',
    });
    expect(parseAttemptLine('{"run":"r","sec')).toBeUndefined();
    expect(parseAttemptLine('{"seconds":3}')).toBeUndefined();
    expect(parseAttemptLine('null')).toBeUndefined();
  });
});

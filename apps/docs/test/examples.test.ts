import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { completeExamples } from './helpers/doc-examples';

const run = promisify(execFile);
const APP = fileURLToPath(new URL('..', import.meta.url));
const WORK = join(APP, '.examples');
const TSX = join(APP, 'node_modules', '.bin', 'tsx');
const examples = completeExamples();

describe('complete programs on the guide pages', () => {
  afterAll(() => rmSync(WORK, { recursive: true, force: true }));

  it('finds the complete examples of every package guide', () => {
    const pages = new Set(examples.map((e) => e.page));
    for (const page of [
      'guide/getting-started.md',
      'packages/core.md',
      'packages/hopfield.md',
      'packages/vision.md',
      'packages/datasets.md',
      'guide/hopfield-in-your-model.md',
    ]) {
      expect(pages.has(page), `no complete example on ${page}`).toBe(true);
    }
  });

  it.each(examples.map((e) => [`${e.page} #${e.index}`, e] as const))('%s runs to completion', async (_name, example) => {
    mkdirSync(WORK, { recursive: true });
    const file = join(WORK, `${example.page.replace(/[/.]/g, '_')}-${example.index}.mts`);
    writeFileSync(file, example.code);
    // Runs against the built packages (turbo builds them before this test), like a user's program.
    const { stdout } = await run(TSX, [file], { cwd: APP, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
    expect(stdout.length).toBeGreaterThan(0);
  });
});

// The guide "Use a trained model in your app" (apps/docs/docs/guide/use-a-trained-model.md), run as
// a newcomer follows it: train a tiny model, export it with `ait export`, then run the guide's own
// predict.mjs (read from the page) with plain Node against the built packages, and check that it
// gives the answer `ait predict` gives for the same image.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prediction } from '../src/commands/predict';
import { cli, removeDir, tempDir, tinyConfigFile } from './helpers';

const GUIDE = fileURLToPath(new URL('../../../apps/docs/docs/guide/use-a-trained-model.md', import.meta.url));
const CLI_NODE_MODULES = fileURLToPath(new URL('../node_modules', import.meta.url));
const CORE_DIST = fileURLToPath(new URL('../../core/dist/index.js', import.meta.url));

/** The fenced code block the guide titles `title` (```js [title]). */
function guideBlock(title: string): string {
  const text = readFileSync(GUIDE, 'utf8');
  const match = new RegExp('```js \\[' + title.replace('.', '\\.') + '\\]\\n([\\s\\S]*?)\\n```').exec(text);
  if (match?.[1] === undefined) throw new Error(`The guide ${GUIDE} has no \`\`\`js [${title}] block.`);
  return match[1];
}

describe('walk-through: README -> trained model -> prediction in your own script', () => {
  let project: string;
  beforeAll(async () => {
    // the script imports the built packages, as an application would
    if (!readFileSync(CORE_DIST, 'utf8').includes('registerFileSystemRouter')) {
      throw new Error(`${CORE_DIST} predates the file:// handler; build first: pnpm build --filter=@ait/cli...`);
    }
    project = await tempDir('ait-walkthrough-');
    await symlink(CLI_NODE_MODULES, join(project, 'node_modules'), 'dir');
  });
  afterAll(async () => removeDir(project));

  it("train, export, then the guide's predict.mjs in plain Node gives the answer of ait predict", async () => {
    const run = join(project, 'runs', 'triangle');
    const trained = await cli('train', '--config', await tinyConfigFile(project), '--out', run, '--quiet');
    expect(trained.code, trained.err).toBe(0);
    const exported = await cli('export', run, '--out', join(project, 'models', 'triangle'));
    expect(exported.code, exported.err).toBe(0);

    // an image of the kind the model was trained on: a white triangle on black, 64 x 64
    const png = new PNG({ width: 64, height: 64 });
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        const inside = y > 12 && y < 52 && Math.abs(x - 32) < (y - 12) * 0.58;
        png.data.set(inside ? [255, 255, 255, 255] : [0, 0, 0, 255], 4 * (y * 64 + x));
      }
    }
    await mkdir(join(project, 'images'));
    await writeFile(join(project, 'images', 'image.png'), PNG.sync.write(png));

    await writeFile(join(project, 'predict.mjs'), `${guideBlock('predict.mjs')}\n`, 'utf8');
    const started = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['predict.mjs', join('images', 'image.png')], {
      cwd: project,
      timeout: 60_000,
    });
    const script = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { predicted: string; probabilities: number[] };
    expect(Date.now() - started).toBeLessThan(60_000);

    const viaCli = await cli('predict', run, join(project, 'images', 'image.png'), '--json');
    expect(viaCli.code, viaCli.err).toBe(0);
    const [prediction] = JSON.parse(viaCli.out) as Prediction[];
    expect(script.predicted).toBe(prediction?.predicted);
    expect(script.probabilities).toHaveLength(2);
    // both read the image with the same loader; the backends may differ (auto in the script), hence 1e-4
    const top = script.probabilities[script.probabilities.indexOf(Math.max(...script.probabilities))] as number;
    expect(Math.abs(top - (prediction?.probability ?? Number.NaN))).toBeLessThan(1e-4);
  });
});

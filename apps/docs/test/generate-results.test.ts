import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateResults } from '../scripts/generate-results.mjs';

const HEADER = 'dataset,model,preset,parameters,seed,epochs,wall_seconds,test_accuracy,best_accuracy,status';

describe('docs: results page', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ait-docs-results-'));
    await mkdir(join(root, 'results', 'repro'), { recursive: true });
    await mkdir(join(root, 'docs'), { recursive: true });
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  const write = async (rows: string[]): Promise<number> => {
    await writeFile(join(root, 'results', 'repro', 'results.csv'), `${[HEADER, ...rows].join('\n')}\n`);
    await writeFile(join(root, 'results', 'repro', 'results.md'), '### triangle\n\n| model | runs |\n|---|---:|\n| ait-conv | 2 of 3 |\n');
    return generateResults(root, join(root, 'docs'));
  };

  it('counts completed runs only, and says how many planned runs are not yet completed', async () => {
    const runs = await write([
      'triangle,ait-conv,ait-tiny-conv,127266,0,8,317.3,0.99,0.99,completed',
      'triangle,ait-conv,ait-tiny-conv,127266,1,8,320.0,0.987,0.988,completed',
      'triangle,ait-conv,ait-tiny-conv,,2,0,0.0,,,pending',
    ]);
    expect(runs).toBe(2);
    const page = await readFile(join(root, 'docs', 'results.md'), 'utf8');
    expect(page).toContain('Every run (2 completed, 1 planned and not yet completed) is a row of');
    expect(page).toContain('## triangle');
    expect(page).toContain('![Test accuracy on triangle](/plots/results-triangle.svg)');
  });

  it("puts the README's opening above the tables and its ## sections below them", async () => {
    const readme = join(root, 'results', 'repro', 'README.md');
    await writeFile(
      readme,
      '# Reproduction suite results\n\nWhat is here.\n\n## What the numbers say\n\nFindings.\n\n## How the runs were made\n\nCommands.\n',
    );
    try {
      await write(['triangle,ait-conv,ait-tiny-conv,127266,0,8,317.3,0.99,0.99,completed']);
      const page = await readFile(join(root, 'docs', 'results.md'), 'utf8');
      expect(page).not.toContain('# Reproduction suite results');
      const at = (text: string): number => {
        expect(page).toContain(text);
        return page.indexOf(text);
      };
      expect(at('What is here.')).toBeLessThan(at('## triangle'));
      expect(at('## triangle')).toBeLessThan(at('## What the numbers say'));
      expect(at('Findings.')).toBeLessThan(at('## How the runs were made'));
      expect(at('## How the runs were made')).toBeLessThan(at('Commands.'));
    } finally {
      await rm(readme);
    }
  });

  it('without unfinished runs the sentence counts the completed ones alone', async () => {
    expect(await write(['triangle,vit,vit-tiny,127058,0,8,250.0,0.51,0.52,completed'])).toBe(1);
    expect(await readFile(join(root, 'docs', 'results.md'), 'utf8')).toContain('Every run (1 completed) is a row of');
  });
});

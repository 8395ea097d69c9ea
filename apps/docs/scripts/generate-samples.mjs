// Writes sample images of the data sets (docs/public/samples, git-ignored) with `ait data preview`:
// a PNG grid of each set's examples and an SVG of the same grid with every example's label (and,
// for Sort-of-CLEVR, its question and answer). The data sets page shows the SVGs.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The previews of the data sets page: data set, examples, file name. @type {{ dataset: string, n: number, file: string }[]} */
export const SAMPLE_PREVIEWS = [
  { dataset: 'triangle', n: 8, file: 'triangle.png' },
  { dataset: 'sort-of-clevr', n: 6, file: 'sort-of-clevr.png' },
  { dataset: 'mnist', n: 16, file: 'mnist.png' },
];

/**
 * Runs `ait data preview` (in-process, from the built `@ait/cli`) for each of {@link SAMPLE_PREVIEWS}
 * into `<docsDir>/public/samples`. Returns the files written; throws naming the data set that failed.
 * @param {string} docsDir
 * @returns {Promise<string[]>}
 */
export async function generateSamples(docsDir) {
  let cli;
  try {
    cli = await import('@ait/cli');
  } catch (err) {
    throw new Error(
      `docs: cannot load @ait/cli to draw the data set samples (${err instanceof Error ? err.message : String(err)}). ` +
        'Build it first (`pnpm build --filter=@ait/docs...` builds every package the docs depend on).',
    );
  }
  const target = join(docsDir, 'public', 'samples');
  await mkdir(target, { recursive: true });
  const files = [];
  for (const p of SAMPLE_PREVIEWS) {
    const io = cli.captureIo();
    const out = join(target, p.file);
    const code = await cli.runCli(['data', 'preview', p.dataset, '--n', String(p.n), '--seed', '0', '--out', out, '--json'], io);
    if (code !== 0) throw new Error(`docs: \`ait data preview ${p.dataset}\` failed (exit ${code}): ${io.err.join('').trim()}`);
    const result = JSON.parse(io.out.join(''));
    files.push(result.files.png, result.files.svg);
  }
  return files;
}

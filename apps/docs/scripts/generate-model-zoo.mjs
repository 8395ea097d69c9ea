// Writes docs/models/zoo.md from @ait/vision's model registry: every preset, its exact parameter count
// (presetParameterCount), the accuracy the reproduction suite measured with it, its purpose and source.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseResultsCsv } from './generate-results.mjs';
import { cell } from './markdown-cells.mjs';

const num = (n) => (n === null ? 'n/a' : n.toLocaleString('en-US'));

/**
 * The measured accuracy of every preset from the reproduction suite's committed results
 * (results/repro/results.csv; ablations left out): `{ preset: ["triangle 97.10 % (3 runs)", ...] }`.
 */
async function measuredAccuracy(repoRoot) {
  const csv = join(repoRoot, 'results', 'repro', 'results.csv');
  if (!existsSync(csv)) return {};
  const rows = parseResultsCsv(await readFile(csv, 'utf8')).filter(
    (r) => r.status === 'completed' && r.test_accuracy !== '' && !r.model.includes('/'),
  );
  const out = {};
  for (const preset of new Set(rows.map((r) => r.preset))) {
    const mine = rows.filter((r) => r.preset === preset);
    out[preset] = [...new Set(mine.map((r) => `${r.dataset}|${r.model}`))].map((key) => {
      const [dataset, model] = key.split('|');
      const acc = mine.filter((r) => r.dataset === dataset && r.model === model).map((r) => Number(r.test_accuracy));
      const mean = acc.reduce((a, b) => a + b, 0) / acc.length;
      return `${dataset} ${(100 * mean).toFixed(2)} % (${model}, ${acc.length} run${acc.length > 1 ? 's' : ''})`;
    });
  }
  return out;
}

/** Generates the model zoo page; returns the number of presets listed. */
export async function generateModelZoo(file, repoRoot) {
  const vision = await import('@ait/vision');
  // AiT first, then its closest relatives, then the other families alphabetically (the page states this order)
  const first = ['ait', 'vit', 'coordination'];
  const rank = (f) => (first.includes(f) ? first.indexOf(f) : first.length);
  const models = [...vision.listModels()].sort(
    (a, b) => rank(a.family) - rank(b.family) || a.family.localeCompare(b.family) || a.name.localeCompare(b.name),
  );
  const measured = await measuredAccuracy(repoRoot);
  const rows = models.map((m) => ({ ...m, counts: vision.presetParameterCount(m.name) }));
  const families = [...new Set(rows.map((r) => r.family))];
  const relatives = first
    .slice(1)
    .map((f) => `\`${f}\``)
    .join(' and ');
  const md = [
    '---',
    'title: Model zoo',
    '---',
    '',
    '# Model zoo',
    '',
    `Every preset registered in \`@ait/vision\` (${rows.length} presets in ${families.length} families), generated at build`,
    'time from `listModels()`. Parameter counts are exact, from `presetParameterCount` (checked against the built',
    "models by the package's tests), for the preset's own image size and classes; in brackets the non-trainable",
    "part, state buffers such as AiT's memory of priors. *Measured* is the final test accuracy the reproduction",
    'suite reached with the preset (mean over its seeds, on CPU; see [Results](../results.md) for the settings,',
    'the spread and the ablations). Create any preset with `createModel(name, overrides)` or train it with',
    '`ait train --model <name>`; `cpu` presets train in seconds to minutes on a laptop, `paper` presets reproduce',
    'the sizes of the papers.',
    '',
    `The families are listed AiT first (the subject of this library), then ${relatives} (the closest relatives: the`,
    'transformer AiT builds on and the shared global workspace it extends), then the others in alphabetical order.',
    '',
    '| family | presets | scales |',
    '|---|---|---|',
    ...families.map((f) => {
      const fr = rows.filter((r) => r.family === f);
      return `| [\`${f}\`](#${f}) | ${fr.length} | ${[...new Set(fr.map((r) => r.scale))].sort().join(', ')} |`;
    }),
    '',
  ];
  for (const f of families) {
    const fr = rows.filter((x) => x.family === f);
    md.push(`## ${f}`, '', `Source: ${cell([...new Set(fr.map((r) => r.source))].join('; '))}.`, '');
    // the scale under the preset's name: a column of its own made the tables wider than the page's column
    md.push('| preset | image | parameters | measured | what it is for |', '|---|---|--:|---|---|');
    for (const r of fr) {
      const size = r.defaults.imageSize;
      const image = `${Array.isArray(size) ? size.join('x') : `${size}x${size}`}x${r.defaults.channels ?? 3}`;
      const c = r.counts;
      const params = c ? `${num(c.total)}${c.nonTrainable > 0 ? ` (${num(c.nonTrainable)})` : ''}` : 'n/a';
      md.push(
        `| \`${r.name}\`<br>${r.scale} | ${image} | ${params} | ${cell((measured[r.name] ?? ['-']).join('; '))} | ${cell(r.description)} |`,
      );
    }
    md.push('');
  }
  md.push(
    '## Default configurations',
    '',
    'The full default config of every preset, as `listModels()` returns it (override any field in `createModel`).',
    '',
  );
  for (const r of rows) {
    md.push(
      `<details><summary><code>${r.name}</code></summary>`,
      '',
      '```json',
      JSON.stringify(r.defaults, null, 2),
      '```',
      '',
      '</details>',
      '',
    );
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, md.join('\n'));
  return rows.length;
}

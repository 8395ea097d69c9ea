// Writes docs/results.md from the reproduction suite's committed results (results/repro/ at the
// repository root: results.csv and results.md as `ait repro` wrote them, README.md with how and where
// they were measured), with one accuracy plot per data set (docs/public/plots/results-<data set>.svg).
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Splits one CSV line as csv-stringify writes it (fields quoted where they hold a comma or quote). */
function splitCsvLine(line) {
  const out = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/** Parses results.csv into objects keyed by its header. */
export function parseResultsCsv(text) {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = splitCsvLine(lines[0] ?? '');
  return lines.slice(1).map((l) => Object.fromEntries(splitCsvLine(l).map((v, i) => [header[i], v])));
}

const escapeXml = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A horizontal bar chart (SVG) of the mean final test accuracy of each model of one data set over
 * its completed runs, with a line from the lowest to the highest run.
 */
export function accuracyChart(dataset, rows) {
  const models = [...new Set(rows.map((r) => r.model))];
  const stats = models
    .map((model) => {
      const acc = rows
        .filter((r) => r.model === model && r.status === 'completed' && r.test_accuracy !== '')
        .map((r) => Number(r.test_accuracy));
      if (acc.length === 0) return null;
      return { model, n: acc.length, mean: acc.reduce((s, v) => s + v, 0) / acc.length, min: Math.min(...acc), max: Math.max(...acc) };
    })
    .filter((s) => s !== null);
  const left = 190;
  const width = 640;
  const barArea = width - left - 70;
  const rowH = 22;
  const top = 34;
  const height = top + stats.length * rowH + 34;
  const lo = Math.max(0, Math.floor(Math.min(...stats.map((s) => s.min), 1) * 10) / 10 - 0.1);
  const x = (v) => left + ((v - lo) / (1 - lo)) * barArea;
  const ticks = [];
  for (let t = lo; t <= 1.0001; t += 0.1) ticks.push(Math.round(t * 10) / 10);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12" role="img" aria-label="${escapeXml(`Test accuracy on ${dataset}`)}">`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14">${escapeXml(`${dataset}: final test accuracy (mean over seeds; line: lowest to highest run)`)}</text>`,
    ...ticks.map(
      (t) =>
        `<line x1="${x(t)}" x2="${x(t)}" y1="${top - 4}" y2="${top + stats.length * rowH}" stroke="#ccc"/><text x="${x(t)}" y="${top + stats.length * rowH + 16}" text-anchor="middle">${Math.round(t * 100)} %</text>`,
    ),
    ...stats.map((s, i) => {
      const y = top + i * rowH;
      return [
        `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${escapeXml(s.model)}</text>`,
        `<rect x="${left}" y="${y + 4}" width="${Math.max(0, x(s.mean) - left)}" height="${rowH - 8}" fill="${s.model.includes('/') ? '#9ab' : s.model.startsWith('ait') ? '#3a7' : '#57a'}"/>`,
        `<line x1="${x(s.min)}" x2="${x(s.max)}" y1="${y + rowH / 2}" y2="${y + rowH / 2}" stroke="#222" stroke-width="1.5"/>`,
        `<text x="${x(s.max) + 6}" y="${y + 15}">${(100 * s.mean).toFixed(1)} (${s.n})</text>`,
      ].join('');
    }),
    '</svg>',
  ];
  return parts.join('\n');
}

/** `md` with each of its tables wrapped in a `.data-table` (the compact tables of the theme's tables.css, which fit the page's column). */
function asDataTables(md) {
  return md.replace(/(^\|.*\|$\n?)+/gm, (table) => `<div class="data-table">\n\n${table.trimEnd()}\n\n</div>\n`);
}

/**
 * Generates the results page; returns the number of completed runs found (0 when none are committed, in
 * which case the page says how to produce them).
 */
export async function generateResults(repoRoot, docsDir) {
  const dir = join(repoRoot, 'results', 'repro');
  const csvPath = join(dir, 'results.csv');
  const mdPath = join(dir, 'results.md');
  const page = ['---', 'title: Results', '---', '', '# Results', ''];
  let runs = 0;
  if (!existsSync(csvPath) || !existsSync(mdPath)) {
    page.push(
      '::: warning No committed results',
      'The site was built from a tree without `results/repro/results.csv`. Produce them with `pnpm repro`',
      '(or `ait repro`) and copy its output folder to `results/repro/`.',
      ':::',
    );
  } else {
    const rows = parseResultsCsv(await readFile(csvPath, 'utf8'));
    // results.csv also holds a row for each run of the suite's plan not yet completed (pending, failed)
    runs = rows.filter((r) => r.status === 'completed').length;
    const unfinished = rows.length - runs;
    const about = existsSync(join(dir, 'README.md')) ? (await readFile(join(dir, 'README.md'), 'utf8')).replace(/^# .*\n/, '') : '';
    // The README's opening (what is here) goes above the tables; its sections (## headings: findings,
    // how to continue, how the runs were made) below them, beside the data sets' own ## sections.
    const firstSection = about.search(/^## /m);
    const lead = firstSection < 0 ? about : about.slice(0, firstSection);
    const sections = firstSection < 0 ? '' : about.slice(firstSection);
    const plots = join(docsDir, 'public', 'plots');
    await mkdir(plots, { recursive: true });
    const datasets = [...new Set(rows.map((r) => r.dataset))];
    for (const d of datasets)
      await writeFile(
        join(plots, `results-${d}.svg`),
        accuracyChart(
          d,
          rows.filter((r) => r.dataset === d),
        ),
      );
    const tables = (await readFile(mdPath, 'utf8')).split(/^### /m).filter((s) => s.trim() !== '');
    page.push(
      'What the models of AiT.js reach when trained with `ait repro` (the reproduction suite of `@ait/cli`),',
      'on CPU, with fixed seeds. Each number is the test accuracy after the last epoch, on a test split',
      'generated (or published) apart from the training data; no epoch is chosen by its test accuracy.',
      `Every run (${runs} completed${unfinished > 0 ? `, ${unfinished} planned and not yet completed` : ''}) is a row of \`results/repro/results.csv\` in the repository.`,
      '',
      lead.trim(),
      '',
    );
    for (const t of tables) {
      const name = t.split('\n')[0].trim();
      page.push(
        `## ${name}`,
        '',
        `![Test accuracy on ${name}](/plots/results-${name}.svg)`,
        '',
        asDataTables(t.split('\n').slice(1).join('\n').trim()),
        '',
      );
    }
    if (sections.trim() !== '') page.push(sections.trim(), '');
  }
  await writeFile(join(docsDir, 'results.md'), `${page.join('\n')}\n`);
  return runs;
}

// Writes docs/benchmarks/*.md and SVG plots from the newest JSON of each package's benchmark suite:
// the published files in results/bench/<pkg>/ (committed by `pnpm bench:publish`, so a fresh clone
// builds the same pages), or, for a package with none published, what `pnpm bench` left in
// packages/<pkg>/bench-results/ on this machine. Nothing here is typed by hand.
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Packages with a benchmark suite, in the order the site lists them. */
export const BENCH_PACKAGES = ['core', 'hopfield', 'vision', 'datasets', 'cli'];

const THROUGHPUT = /(per[ _]?s(ec(ond)?)?$|\/s$|gflops|persecond)/i;
const TIME = /(^ms|Ms$|_ms$|ms\/|[sS]econds$|^time)/;

const esc = (s) => String(s).replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/{{/g, '{ {');
/** Escapes text for a markdown code span inside a table or paragraph. */
const code = (s) => String(s).replace(/\|/g, '\\|').replace(/`/g, "'");
const xml = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function fmt(v) {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return v.toLocaleString('en-US');
    const a = Math.abs(v);
    return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
  }
  if (Array.isArray(v)) return v.map(fmt).join(', ');
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const isScalar = (v) =>
  v === null || ['string', 'number', 'boolean'].includes(typeof v) || (Array.isArray(v) && v.every((x) => typeof x !== 'object'));

/** Series of a package: newest file per file-name prefix (the name without its timestamp). */
async function newestFiles(dir) {
  let names;
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const series = new Map();
  for (const name of names) {
    const key = name.replace(/-?\d{4}-\d{2}-\d{2}T[\d-]+Z\.json$/, '') || 'results';
    const { mtimeMs } = await stat(join(dir, name));
    const stamp = name.match(/\d{4}-\d{2}-\d{2}T[\d-]+Z/)?.[0] ?? String(mtimeMs);
    const prev = series.get(key);
    if (!prev || stamp > prev.stamp) series.set(key, { name, stamp });
  }
  return [...series.entries()].sort().map(([key, v]) => ({ series: key, file: join(dir, v.name), name: v.name }));
}

/** Collects tables (arrays of objects) and key/value facts from a JSON document, with their paths. */
function collect(value, path, tables, facts) {
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
      const columns = [];
      for (const row of value) for (const [k, v] of Object.entries(row)) if (isScalar(v) && !columns.includes(k)) columns.push(k);
      if (columns.length > 0) tables.push({ path, columns, rows: value });
      value.forEach((row, i) => {
        const label =
          Object.entries(row)
            .filter(([, v]) => typeof v === 'string')
            .map(([, v]) => v)
            .join(' ') || String(i);
        for (const [k, v] of Object.entries(row)) if (!isScalar(v)) collect(v, `${path} (${label}) / ${k}`, tables, facts);
      });
    } else if (value.length > 0 && !isScalar(value)) {
      value.forEach((v, i) => collect(v, `${path}[${i}]`, tables, facts));
    }
    return;
  }
  if (value && typeof value === 'object') {
    const local = [];
    for (const [k, v] of Object.entries(value)) {
      if (isScalar(v)) local.push([k, v]);
      else collect(v, path ? `${path} / ${k}` : k, tables, facts);
    }
    if (local.length > 0) facts.push({ path: path || 'run', entries: local });
  }
}

/** Picks the column to plot and the columns that label a bar. */
function plotPlan(table) {
  const numeric = table.columns.filter((c) => table.rows.every((r) => r[c] === undefined || typeof r[c] === 'number'));
  const metric = numeric.find((c) => THROUGHPUT.test(c)) ?? numeric.find((c) => TIME.test(c));
  if (!metric || table.rows.length < 2) return null;
  const before = table.columns.slice(0, table.columns.indexOf(metric));
  const labels = before.filter((c) => {
    if (table.rows.every((r) => typeof r[c] === 'string')) return true;
    if (!numeric.includes(c) || TIME.test(c) || THROUGHPUT.test(c)) return false;
    const distinct = new Set(table.rows.map((r) => r[c]));
    return distinct.size > 1 && distinct.size <= 8 && [...distinct].every((v) => Number.isInteger(v));
  });
  return { metric, labels: labels.length > 0 ? labels : [table.columns[0]] };
}

/** The longest bar label drawn in full: 44 characters of a 12 px font fit the 324 px left of the bars (wide fonts included). */
const LABEL_CHARS = 44;

/** A horizontal bar chart as a standalone SVG document. */
export function barChartSvg(title, bars, unit) {
  const shown = bars.slice(0, 48);
  const rowH = 18;
  const left = 330;
  const width = 860;
  const plotW = width - left - 90;
  const top = 34;
  const height = top + shown.length * rowH + 16;
  const max = Math.max(...shown.map((b) => b.value), 1e-12);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>${xml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="8" y="20" font-size="14" font-weight="600" fill="#222">${xml(title)} (${xml(unit)})</text>`,
  ];
  shown.forEach((b, i) => {
    const y = top + i * rowH;
    const w = Math.max(1, (b.value / max) * plotW);
    parts.push(
      `<text x="${left - 6}" y="${y + 13}" text-anchor="end" fill="#333">${xml(b.label.length > LABEL_CHARS ? `${b.label.slice(0, LABEL_CHARS - 3)}...` : b.label)}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="#3d7dd8"/>`,
      `<text x="${(left + w + 4).toFixed(1)}" y="${y + 13}" fill="#333">${xml(fmt(b.value))}</text>`,
    );
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}

/** The most columns one table shows; a wider table is split, each part repeating the first column (the row's name). */
export const MAX_TABLE_COLUMNS = 5;

/** A table of measurements as markdown: one or more `.data-table`s (compact, see the theme's tables.css) that fit the page's column. */
function renderTable(table) {
  const [first, ...rest] = table.columns;
  const parts = [];
  for (let i = 0; i === 0 || i < rest.length; i += MAX_TABLE_COLUMNS - 1) {
    const columns = [first, ...rest.slice(i, i + MAX_TABLE_COLUMNS - 1)];
    const lines = [`| ${columns.map(esc).join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`];
    for (const r of table.rows) lines.push(`| ${columns.map((c) => esc(fmt(r[c]))).join(' | ')} |`);
    parts.push(['<div class="data-table">', '', ...lines, '', '</div>'].join('\n'));
  }
  return parts.join('\n\n');
}

const slug = (s) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'table';

/**
 * Generates one page per package with a benchmark suite and an overview page; returns, per package,
 * the files it read (an empty list where no results exist yet).
 */
export async function generateBenchmarks(repoRoot, docsDir) {
  const outDir = join(docsDir, 'benchmarks');
  const plotDir = join(docsDir, 'public', 'plots');
  await rm(plotDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await mkdir(plotDir, { recursive: true });
  const summary = [];
  for (const pkg of BENCH_PACKAGES) {
    const published = join(repoRoot, 'results', 'bench', pkg);
    const local = join(repoRoot, 'packages', pkg, 'bench-results');
    const publishedFiles = await newestFiles(published);
    const files = publishedFiles.length > 0 ? publishedFiles : await newestFiles(local);
    const where = publishedFiles.length > 0 ? `results/bench/${pkg}/` : `packages/${pkg}/bench-results/`;
    const md = ['---', `title: '@ait/${pkg} benchmarks'`, '---', '', `# \`@ait/${pkg}\` benchmarks`, ''];
    md.push(
      `Generated at build time from the newest JSON in \`${where}\` (one file per series).`,
      `Produce new results with \`cd packages/${pkg} && pnpm bench\` (see the [${pkg} guide](/packages/${pkg})), publish them with`,
      '`pnpm bench:publish` at the repository root (it copies them into `results/bench/`, which is committed), then rebuild the',
      'docs. Timings come from whatever machine ran the suite and are not comparable across machines.',
      '',
    );
    if (files.length === 0) {
      md.push(
        '::: warning No results yet',
        `No benchmark results were found in \`results/bench/${pkg}/\` or \`packages/${pkg}/bench-results/\` when this site was built. Run`,
        `\`npx --yes pnpm@10.34.9 --filter @ait/${pkg} bench\` from the repository root (or \`pnpm bench\` in the`,
        'package folder) and rebuild the site.',
        ':::',
        '',
      );
    }
    for (const f of files) {
      const json = JSON.parse(await readFile(f.file, 'utf8'));
      const tables = [];
      const facts = [];
      collect(json, '', tables, facts);
      md.push(`## Series \`${f.series}\``, '', `Source file: \`${f.name}\``, '');
      for (const fact of facts) {
        md.push(`**${esc(fact.path)}**: ${fact.entries.map(([k, v]) => `${esc(k)} = \`${code(fmt(v))}\``).join('; ')}`, '');
      }
      for (const [ti, table] of tables.entries()) {
        const heading = table.path || 'results';
        md.push(`### ${esc(heading)}`, '');
        const plan = plotPlan(table);
        if (plan) {
          const bars = table.rows
            .filter((r) => typeof r[plan.metric] === 'number' && Number.isFinite(r[plan.metric]))
            .map((r) => ({ label: plan.labels.map((c) => fmt(r[c])).join(' '), value: r[plan.metric] }));
          if (bars.length > 1) {
            const name = `${pkg}-${slug(f.series)}-${ti}-${slug(heading)}.svg`.slice(0, 120);
            await writeFile(join(plotDir, name), barChartSvg(`${heading}: ${plan.metric}`, bars, plan.metric));
            md.push(`![${esc(heading)}: ${esc(plan.metric)} per row](/plots/${name})`, '');
          }
        }
        md.push(renderTable(table), '');
      }
    }
    await writeFile(join(outDir, `${pkg}.md`), md.join('\n'));
    summary.push({ pkg, files });
  }
  const index = [
    '---',
    'title: Benchmarks and results',
    '---',
    '',
    '# Benchmarks and results',
    '',
    'Each package with performance-sensitive code has a benchmark suite (`bench/run.ts`, run with `pnpm bench` in the',
    'package folder, or `npx --yes pnpm@10.34.9 bench` at the root for all of them). A suite prints a table and writes',
    'JSON into its `bench-results/` folder (git-ignored); `pnpm bench:publish` copies the newest file of every series into',
    '`results/bench/<package>/`, which is committed. When this site is built, those files (or, for a package with none',
    'published, the local ones) are turned into the tables and plots of these pages; nothing on them is typed by hand.',
    '',
    '| package | series found at build time | page |',
    '|---|---|---|',
    ...summary.map(
      (s) =>
        `| \`@ait/${s.pkg}\` | ${s.files.length === 0 ? 'none yet: run `pnpm bench` in the package' : s.files.map((f) => `\`${f.name}\``).join(', ')} | [${s.pkg}](/benchmarks/${s.pkg}) |`,
    ),
    '',
    'What the suites measure:',
    '',
    '- `@ait/core`: matmul GFLOP/s for every transpose case, attention forward and backward, and the training step of',
    '  a reference ViT on each backend configuration (stock wasm, wasm with the `@ait/core` kernels, threaded wasm,',
    '  plain JavaScript), and the same model in PyTorch when it is installed.',
    '- `@ait/hopfield`: retrieval throughput of classical, dense and modern Hopfield memories, how modern retrieval',
    '  scales with the number and width of patterns, classical sweeps by width, and the Hopfield layer.',
    '- `@ait/vision`: training throughput and tensor memory of one step of every CPU preset, and how one block',
    '  of each architecture scales with the number of tokens.',
    '- `@ait/datasets`: samples per second of every generator, loader and the batching pipeline.',
    '- `@ait/cli`: `ait bench` (also `pnpm bench` in `packages/cli`): training-step and inference speed of model',
    '  presets on random images, as the command line runs them.',
    '',
  ];
  await writeFile(join(outDir, 'index.md'), index.join('\n'));
  return summary;
}

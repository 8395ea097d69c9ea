// `pnpm bench:publish`: copies the newest benchmark file of every series each package's
// `pnpm bench` wrote into its git-ignored bench-results/ folder to results/bench/<package>/,
// which is committed: the docs' benchmark pages and packages/core/README.md's speed tables are
// generated from there, so a fresh clone builds the same pages. Machine paths are left out of the
// copies. Older published files of the same series are removed (git keeps the history).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = /-?\d{4}-\d{2}-\d{2}T[\d-]+Z\.json$/;

/** The series a benchmark file belongs to: its name without the timestamp. */
export const seriesOf = (name) => name.replace(STAMP, '') || 'results';

/** Removes absolute paths of this machine (Node binaries, the checkout) from a result file. */
function scrub(value) {
  if (Array.isArray(value)) return value.map(scrub);
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      if ((k === 'path' || k === 'python') && typeof v === 'string' && v.startsWith('/')) continue;
      out[k] = scrub(v);
    }
    return out;
  }
  return typeof value === 'string' ? value.split(root).join('.') : value;
}

let copied = 0;
for (const pkg of readdirSync(join(root, 'packages'))) {
  const from = join(root, 'packages', pkg, 'bench-results');
  if (!existsSync(from)) continue;
  const newest = new Map();
  for (const name of readdirSync(from).filter((n) => STAMP.test(n))) {
    const series = seriesOf(name);
    if (!newest.has(series) || name > newest.get(series)) newest.set(series, name);
  }
  const to = join(root, 'results', 'bench', pkg);
  mkdirSync(to, { recursive: true });
  for (const [series, name] of newest) {
    for (const old of readdirSync(to).filter((n) => STAMP.test(n) && seriesOf(n) === series && n !== name)) rmSync(join(to, old));
    writeFileSync(join(to, name), `${JSON.stringify(scrub(JSON.parse(readFileSync(join(from, name), 'utf8'))), null, 2)}\n`);
    console.log(`bench:publish: results/bench/${pkg}/${name}`);
    copied++;
  }
}
if (copied === 0) console.log('bench:publish: no bench-results/ folder holds a result yet; run `pnpm bench` first.');
// the READMEs whose benchmark tables are generated from the published files
for (const pkg of ['core', 'vision', 'hopfield']) {
  if (!existsSync(join(root, 'results', 'bench', pkg))) continue;
  execFileSync(process.execPath, [join(root, 'packages', pkg, 'scripts', 'bench-tables.mjs'), '--write'], { stdio: 'inherit' });
}

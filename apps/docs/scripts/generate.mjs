// Build-time generation for the docs site: TypeDoc API pages, the CLI reference, the model zoo, the
// benchmark pages and the data set samples. Run before `vitepress build` (the package's `build` script does).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateBenchmarks } from './generate-benchmarks.mjs';
import { generateCliReference } from './generate-cli-reference.mjs';
import { generateConfigTables } from './generate-config-tables.mjs';
import { generateModelZoo } from './generate-model-zoo.mjs';
import { generateResults } from './generate-results.mjs';
import { generateSamples } from './generate-samples.mjs';

const appDir = dirname(dirname(fileURLToPath(import.meta.url)));
const repoRoot = join(appDir, '..', '..');
const docsDir = join(appDir, 'docs');

function step(label, fn) {
  const start = performance.now();
  return Promise.resolve(fn()).then((r) => {
    console.log(`docs: ${label} (${((performance.now() - start) / 1000).toFixed(1)} s)`);
    return r;
  });
}

await step('API reference from TSDoc (TypeDoc)', () => {
  const bin = join(appDir, 'node_modules', '.bin', 'typedoc');
  const r = spawnSync(bin, ['--options', 'typedoc.json'], { cwd: appDir, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`docs: TypeDoc failed (exit ${r.status}); see its messages above.`);
});
const configPages = await step('config option tables of the vision models (API pages)', () =>
  generateConfigTables(join(docsDir, 'api'), repoRoot),
);
console.log(`docs:   ${configPages.length} API pages with an options table`);
const commands = await step('CLI reference from the ait programme', () => generateCliReference(join(docsDir, 'reference', 'cli.md')));
console.log(`docs:   ${commands} commands documented`);
const presets = await step('model zoo from the @ait/vision registry', () => generateModelZoo(join(docsDir, 'models', 'zoo.md'), repoRoot));
console.log(`docs:   ${presets} presets listed`);
const bench = await step('benchmark pages from bench-results JSON', () => generateBenchmarks(repoRoot, docsDir));
for (const b of bench) {
  console.log(
    `docs:   @ait/${b.pkg}: ${b.files.length === 0 ? 'no results (run pnpm bench in the package)' : b.files.map((f) => f.name).join(', ')}`,
  );
}
const results = await step('results page from results/repro', () => generateResults(repoRoot, docsDir));
console.log(`docs:   ${results === 0 ? 'no committed results (run pnpm repro)' : `${results} completed runs`}`);
const samples = await step('data set samples (docs/public/samples) with ait data preview', () => generateSamples(docsDir));
console.log(`docs:   ${samples.length} files`);
await step('tfjs-wasm binaries for the playground (docs/public/tfjs-wasm)', async () => {
  const { copyFileSync, mkdirSync, readdirSync } = await import('node:fs');
  const { createRequire } = await import('node:module');
  const core = dirname(createRequire(join(appDir, 'package.json')).resolve('@ait/core/package.json'));
  const target = join(docsDir, 'public', 'tfjs-wasm');
  mkdirSync(target, { recursive: true });
  for (const name of readdirSync(join(core, 'dist', 'wasm'))) copyFileSync(join(core, 'dist', 'wasm', name), join(target, name));
});

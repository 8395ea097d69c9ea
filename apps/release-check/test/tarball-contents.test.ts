import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { create } from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { readTarball, unexpectedFiles, unpublishableRanges } from '../src/tarball-contents.js';

const work = mkdtempSync(join(tmpdir(), 'ait-tarball-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Writes `files` under `work/name/package/` and packs them the way npm does (a `package/` prefix). */
async function makeTarball(name: string, files: Record<string, string>): Promise<string> {
  const base = join(work, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(base, 'package', path)), { recursive: true });
    writeFileSync(join(base, 'package', path), text);
  }
  const file = join(work, `${name}.tgz`);
  await create(
    { gzip: true, file, cwd: base },
    Object.keys(files).map((path) => `package/${path}`),
  );
  return file;
}

describe('tarball checks (the checks the release test relies on can fail)', () => {
  it('reads the file list and the packed package.json', async () => {
    const manifest = { name: '@ait/demo', version: '1.2.3', dependencies: { '@ait/core': '^0.4.0' } };
    const file = await makeTarball('good', {
      'package.json': JSON.stringify(manifest),
      'README.md': '# demo',
      LICENSE: 'MIT License',
      'dist/index.js': 'export {};',
      'dist/index.d.ts': 'export {};',
    });
    const contents = await readTarball(file);
    expect(contents.files).toEqual(['LICENSE', 'README.md', 'dist/index.d.ts', 'dist/index.js', 'package.json']);
    expect(contents.manifest).toEqual(manifest);
    expect(unexpectedFiles(contents.files)).toEqual([]);
    expect(unpublishableRanges(contents.manifest)).toEqual([]);
  });

  it('flags sources, tests, configs and stray files, but not dist builds, maps and docs', () => {
    const published = [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'dist/index.js',
      'dist/index.cjs',
      'dist/index.d.ts',
      'dist/index.d.cts',
      'dist/index.js.map',
      'dist/browser.js',
      'dist/wasm/tfjs-backend-wasm-simd.wasm',
      'dist/cli.js',
    ];
    const stray = ['src/index.ts', 'test/a.test.ts', 'tsconfig.json', 'bench-results/run.json', 'dist/secret.env', 'dist/other/x.wasm'];
    expect(unexpectedFiles([...published, ...stray])).toEqual(stray);
  });

  it('flags workspace:, link: and file: ranges in every dependency section', () => {
    const bad = unpublishableRanges({
      name: '@ait/x',
      version: '1.0.0',
      dependencies: { '@ait/core': 'workspace:^', zod: '4.6.7' },
      peerDependencies: { '@ait/hopfield': 'workspace:*' },
      optionalDependencies: { local: 'file:../local' },
      devDependencies: { linked: 'link:../linked' },
    });
    expect(bad).toEqual([
      'dependencies.@ait/core=workspace:^',
      'peerDependencies.@ait/hopfield=workspace:*',
      'optionalDependencies.local=file:../local',
      'devDependencies.linked=link:../linked',
    ]);
  });

  it('rejects a tarball without package.json with a clear message', async () => {
    const file = await makeTarball('broken', { 'README.md': '# no manifest' });
    await expect(readTarball(file)).rejects.toThrow(/no package\/package\.json/);
  });
});

// Build-time side of the pretrained models (Node only; used by tsup.config.ts and publish-pretrained.ts):
// each weight file of pretrained/ becomes a CommonJS module dist/pretrained/<name>.cjs that exports
// the file as base64 text, and the imports `@ait/vision/pretrained/<name>` of
// src/pretrained/shipped-weight-modules.ts become `./pretrained/<name>.cjs` in dist/index.(c)js, so
// that any bundler (esbuild, vite, webpack) puts the weights in a chunk of their own, loaded on
// demand, without an asset plugin, and Node's ESM and CommonJS builds both load them.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Options } from 'tsup';

/** The specifier src/ imports a weight module by (a self-reference through the `./pretrained/*` export). */
export const WEIGHT_MODULE_PREFIX = '@ait/vision/pretrained/';

const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * The esbuild plugin that turns `import('@ait/vision/pretrained/<name>')` into an external
 * `import('./pretrained/<name>.cjs')`, relative to the bundle in dist/.
 */
export function weightModuleImports(): EsbuildPlugin {
  return {
    name: 'ait-pretrained-weight-modules',
    setup(build) {
      build.onResolve({ filter: /^@ait\/vision\/pretrained\// }, (args) => {
        const name = args.path.slice(WEIGHT_MODULE_PREFIX.length);
        if (!NAME.test(name))
          return { errors: [{ text: `"${args.path}" does not name a pretrained model (lower-case words joined by dashes).` }] };
        return { path: `./pretrained/${name}.cjs`, external: true };
      });
    },
  };
}

/** The source of a weight module: the weight file as base64 text, its only export. */
export function weightModuleSource(name: string, bytes: Uint8Array): string {
  return (
    `'use strict';\n// The weights of the pretrained model ${name} (a safetensors file, base64), written by the build of @ait/vision.\n` +
    `module.exports = ${JSON.stringify(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'))};\n`
  );
}

/** What the build reads of each manifest entry. */
export interface WeightFileEntry {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** The entries of `<pretrainedDir>/manifest.json` (name, file, size, SHA-256), checked just enough to build from. */
export async function manifestWeightFiles(pretrainedDir: string): Promise<WeightFileEntry[]> {
  const path = join(pretrainedDir, 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8')) as { models?: unknown };
  if (!Array.isArray(manifest.models)) throw new Error(`${path} has no "models" list; is it the pretrained-model manifest?`);
  return manifest.models.map((m: Partial<WeightFileEntry>, i: number) => {
    if (
      typeof m.name !== 'string' ||
      !NAME.test(m.name) ||
      typeof m.file !== 'string' ||
      typeof m.bytes !== 'number' ||
      typeof m.sha256 !== 'string'
    ) {
      throw new Error(`${path}: models[${i}] lacks a valid name, file, bytes or sha256; write entries with scripts/publish-pretrained.ts.`);
    }
    return { name: m.name, file: m.file, bytes: m.bytes, sha256: m.sha256 };
  });
}

/**
 * Writes `<outDir>/<name>.cjs` for every model of `<pretrainedDir>/manifest.json`, after checking each weight file's size and SHA-256 against the manifest: a missing or
 * changed file fails the build with its name. Returns the modules written.
 */
export async function writeWeightModules(pretrainedDir: string, outDir: string): Promise<string[]> {
  const entries = await manifestWeightFiles(pretrainedDir);
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const e of entries) {
    const file = join(pretrainedDir, e.file);
    const bytes = await readFile(file).catch((err: Error) => {
      throw new Error(`The pretrained model ${e.name} needs ${file}, which cannot be read (${err.message}); publish it again.`);
    });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (bytes.byteLength !== e.bytes || sha256 !== e.sha256) {
      throw new Error(
        `${file} (${bytes.byteLength} bytes, SHA-256 ${sha256}) is not the file the manifest records for ${e.name} ` +
          `(${e.bytes} bytes, ${e.sha256}); publish it again with scripts/publish-pretrained.ts.`,
      );
    }
    const target = join(outDir, `${e.name}.cjs`);
    await writeFile(target, weightModuleSource(e.name, bytes), 'utf8');
    written.push(target);
  }
  return written;
}

/** The source of src/pretrained/shipped-weight-modules.ts for these model names (formatted by the caller). */
export function shippedWeightModulesSource(names: readonly string[]): string {
  const lines = [...names].sort().map((n) => `  '${n}': () => import('${WEIGHT_MODULE_PREFIX}${n}'),`);
  return (
    '// Written by scripts/publish-pretrained.ts from pretrained/manifest.json: edit through that script.\n' +
    '// Each loader imports a weight module that the build of @ait/vision writes to dist/pretrained/ (the\n' +
    '// build turns `@ait/vision/pretrained/<name>` into `./pretrained/<name>.cjs`): a separate chunk that\n' +
    '// bundlers load only when the model is asked for.\n\n' +
    '/** The weight module of every shipped pretrained model, by name, imported on demand. */\n' +
    `export const SHIPPED_WEIGHT_MODULES: Readonly<Record<string, () => Promise<unknown>>> = {${lines.length > 0 ? `\n${lines.join('\n')}\n` : ''}};\n`
  );
}

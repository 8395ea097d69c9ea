import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateConfig, z } from '@ait/core';
import { errorCode } from '../formats/read-data-file';
import { MANIFEST_FILE, SYNTHETIC_FORMAT, type SyntheticManifest } from './synthetic-manifest';

const manifestSchema = z.object({
  format: z.literal(SYNTHETIC_FORMAT),
  version: z.literal(1),
  task: z.enum(['triangle', 'sort-of-clevr']),
  split: z.enum(['train', 'test']),
  seed: z.union([z.number().int(), z.string()]),
  count: z.number().int().min(1),
  questionsPerType: z.number().int().min(1).optional(),
  labelNames: z.array(z.string()),
  files: z.record(z.string(), z.string().regex(/^[^/\\]+$/, 'must be a file name in the same folder')),
});

/** Writes `manifest.json` into `dir` (atomically: temporary file, then rename). */
export async function writeManifest(dir: string, manifest: SyntheticManifest): Promise<void> {
  const path = join(dir, MANIFEST_FILE);
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(temp, path);
}

/** Reads and checks the manifest of a synthetic set written for `task`; errors name the file and the problem. */
export async function readManifest(dir: string, task: SyntheticManifest['task'], writer: string): Promise<SyntheticManifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') {
      throw new Error(
        `${path} not found: ${dir} does not hold a complete synthetic set (the manifest is written last); write it with ${writer}.`,
      );
    }
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message}); the file is corrupt. Write the set again with ${writer}.`);
  }
  const m = validateConfig(`manifest ${path}`, manifestSchema, json) as SyntheticManifest;
  if (m.task !== task) {
    throw new Error(`${path} describes a ${m.task} set, not ${task}; open it with the ${m.task} reader.`);
  }
  return m;
}

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from '@ait/core';
import { CliError } from './cli-error';

/**
 * Parses YAML text, its warnings (an unknown tag such as `!!binary` or `!!js/function`, a bad
 * directive) thrown as errors like its syntax errors: a config file must mean what it seems to,
 * and the yaml package would otherwise print them as multi-line process warnings.
 */
function parseYamlStrictly(text: string): unknown {
  const doc = parseDocument(text, { logLevel: 'error' });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) throw problem;
  return doc.toJS();
}

/**
 * Reads a JSON or YAML config file (by extension: `.json`, `.yaml`, `.yml`) and validates it
 * with `schema`. A missing file, a syntax error or a schema violation throws a
 * {@link CliError} that names the file and every offending key with what it must be.
 */
export async function readConfigFile<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read config file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the path.`, 2, {
      cause: err,
    });
  }
  const ext = extname(path).toLowerCase();
  let value: unknown;
  try {
    value = ext === '.json' ? JSON.parse(text) : parseYamlStrictly(text);
  } catch (err) {
    throw new CliError(`Config file ${path} is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`, 2, {
      cause: err,
    });
  }
  if (value === null || value === undefined) value = {};
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const key = i.path.length > 0 ? i.path.map(String).join('.') : '(top level)';
      return `key "${key}": ${i.message}`;
    });
    throw new CliError(`Config file ${path} is invalid: ${problems.join('; ')}.`, 2);
  }
  return parsed.data;
}

import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The default folder where data sets are looked for and downloads are cached: the environment
 * variable `AIT_DATASETS_DIR` when set, else `~/.cache/ait-datasets`.
 */
export function defaultDataDirectory(): string {
  const fromEnv = process.env.AIT_DATASETS_DIR;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.cache', 'ait-datasets');
}

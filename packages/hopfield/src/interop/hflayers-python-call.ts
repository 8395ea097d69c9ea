import type { HflayersKwargsOf, HflayersModule } from './hflayers-kwargs';

/** hflayers arguments that must be Python floats (hflayers asserts `type(scaling) in (float, Tensor)`). */
const FLOAT_ARGUMENTS = new Set([
  'scaling',
  'update_steps_eps',
  'dropout',
  'normalize_stored_pattern_eps',
  'normalize_state_pattern_eps',
  'normalize_pattern_projection_eps',
  'normalize_hopfield_space_eps',
]);

function pythonFloat(x: number): string {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

function pythonValue(key: string, value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value === 'number') return FLOAT_ARGUMENTS.has(key) ? pythonFloat(value) : String(value);
  if (Array.isArray(value)) return `torch.tensor([${value.map((v) => pythonValue(key, v)).join(', ')}])`;
  throw new TypeError(`hflayers argument ${key}: cannot write ${typeof value} as Python`);
}

/**
 * The Python expression that builds hflayers module `module` with keyword arguments `kwargs`,
 * e.g. `HopfieldPooling(input_size=8, scaling=0.5, ...)`: floats written as floats (hflayers
 * asserts that `scaling` is a float or a tensor), per-head lists as `torch.tensor([...])`, `null`
 * as `None`. Evaluate it where `from hflayers import Hopfield, HopfieldPooling, HopfieldLayer` and
 * `import torch` were run.
 */
export function hflayersConstructorCall(module: HflayersModule, kwargs: HflayersKwargsOf[HflayersModule]): string {
  const parts = Object.entries(kwargs as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${pythonValue(k, v)}`);
  return `${module}(${parts.join(', ')})`;
}

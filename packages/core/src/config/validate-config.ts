import { z } from 'zod';

/** Thrown when a configuration object does not satisfy its schema; the message lists every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly where: string,
    readonly issues: readonly string[],
  ) {
    super(`Invalid ${where} config:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}

/**
 * Validates `value` against a zod `schema` and returns the parsed (defaulted) config, or throws a
 * {@link ConfigError} naming each offending field, what was expected and what was given.
 *
 * @param where What is being configured, e.g. `MultiHeadAttention` or `AdamW`.
 */
export function validateConfig<S extends z.ZodType>(where: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
  throw new ConfigError(where, issues);
}

export { z };

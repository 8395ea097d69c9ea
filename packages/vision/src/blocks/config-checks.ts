import type { z } from '@ait/core';

/** One problem of a config: the field it concerns and what to do about it. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * A zod `superRefine` callback that reports the problems `check` finds in a parsed config as
 * custom issues on the named fields (so `ConfigError` lists them with the other field errors).
 */
export function refineWith<T>(check: (cfg: T) => ConfigProblem[]): (cfg: T, ctx: z.core.$RefinementCtx<T>) => void {
  return (cfg, ctx) => {
    for (const p of check(cfg)) ctx.addIssue({ code: 'custom', path: [p.path], message: p.message });
  };
}

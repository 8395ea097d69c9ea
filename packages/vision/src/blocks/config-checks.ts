import { layerArgsShape, z } from '@ait/core';

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

/**
 * The problem, on the field `heads`, when the width `cfg[width]` is not divisible by `cfg[heads]`
 * (the heads split the width); none otherwise. `why` is added to the message.
 */
export function checkDivisible<K extends string>(cfg: Readonly<Record<K, number>>, width: K, heads: K, why = ''): ConfigProblem[] {
  const [w, h] = [cfg[width], cfg[heads]];
  return w % h === 0 ? [] : [{ path: heads, message: `${width} ${w} must be divisible by ${heads} ${h}${why}.` }];
}

/**
 * A family's two config schemas from its fields: `config`, the strict fields (what `createModel`
 * validates), and `layer`, the same plus tfjs' base layer arguments (what the model's
 * constructor receives). Both report the problems `check` finds in a parsed config.
 */
export function familySchemas<F extends z.core.$ZodLooseShape>(
  fields: F,
  check: (cfg: z.output<z.ZodObject<F>>) => ConfigProblem[] = () => [],
) {
  const refine = (cfg: unknown, ctx: z.core.$RefinementCtx<unknown>): void =>
    refineWith(check)(cfg as z.output<z.ZodObject<F>>, ctx as never);
  return {
    config: z.strictObject(fields).superRefine(refine),
    layer: z.strictObject({ ...layerArgsShape, ...fields }).superRefine(refine),
  };
}

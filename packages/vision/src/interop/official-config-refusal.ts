import { OfficialWeightsError } from './official-weight-layout';

/**
 * Refuses a config a reference weight map cannot serve: throws an {@link OfficialWeightsError}
 * (`unsupported-config`, about `where`) listing every `structural` problem (parameters with no
 * counterpart, refused always) and, with `strict`, every `behaviour` problem (the parameters fit
 * but the reference code computes otherwise), each followed by `(<why>; pass strict: false to map
 * the weights anyway)`. Returns when there is nothing to refuse.
 */
export function refuseUnsupportedConfig(
  where: string,
  structural: readonly string[],
  behaviour: readonly string[],
  strict: boolean,
  why = 'the official parameters fit, but the official code computes otherwise',
): void {
  const issues = [...structural];
  if (strict) issues.push(...behaviour.map((b) => `${b} (${why}; pass strict: false to map the weights anyway)`));
  if (issues.length > 0) throw new OfficialWeightsError('unsupported-config', where, issues);
}

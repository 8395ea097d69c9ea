import type { HopfieldDimensions } from '../layers/hopfield-dimensions';
import { validateConfig } from '@ait/core';
import { hopfieldOptionsShape, hopfieldSchema, type HopfieldConfig } from '../layers/hopfield-options';
import { hflayersModuleOf, innerHopfield, type AitjsFromHflayers, type HflayersMappedLayer } from './hflayers-mapped-layer';

/** Per-head values of a number or a list. */
function perHeadList(v: number | readonly number[], heads: number): number[] {
  return typeof v === 'number' ? Array.from({ length: heads }, () => v) : [...v];
}

function normText(on: boolean, affine: boolean, eps: number): string {
  return on ? `LayerNorm(eps ${eps}${affine ? ', affine' : ''})` : 'none';
}

/** What an AiT.js Hopfield config computes with (sizes aside): every option that changes the output. */
function computation(cfg: HopfieldConfig): Record<string, string> {
  const heads = cfg.numHeads;
  return {
    numHeads: String(heads),
    updateStepsMax: String(cfg.updateStepsMax),
    updateStepsEps: perHeadList(cfg.updateStepsEps, heads).join(', '),
    normalizeStoredPattern: normText(cfg.normalizeStoredPattern, cfg.normalizeStoredPatternAffine, cfg.normalizeStoredPatternEps),
    normalizeStatePattern: normText(cfg.normalizeStatePattern, cfg.normalizeStatePatternAffine, cfg.normalizeStatePatternEps),
    normalizePatternProjection: normText(
      cfg.normalizePatternProjection,
      cfg.normalizePatternProjectionAffine,
      cfg.normalizePatternProjectionEps,
    ),
    normalizeHopfieldSpace: normText(cfg.normalizeHopfieldSpace, cfg.normalizeHopfieldSpaceAffine, cfg.normalizeHopfieldSpaceEps),
    storedPatternAsStatic: String(cfg.storedPatternAsStatic),
    statePatternAsStatic: String(cfg.statePatternAsStatic),
    'pattern projection': cfg.patternProjectionAsConnected ? 'connected' : cfg.patternProjectionAsStatic ? 'static' : 'projected',
    associationActivation: String(cfg.associationActivation ?? 'none'),
    dropout: String(cfg.dropout),
    inputBias: String(cfg.inputBias),
    concatBiasPattern: String(cfg.concatBiasPattern),
    addZeroAssociation: String(cfg.addZeroAssociation),
    disableOutProjection: String(cfg.disableOutProjection),
  };
}

/** The sizes an AiT.js association computes with. */
function sizes(
  d: Pick<HopfieldDimensions, 'heads' | 'hidden' | 'pattern' | 'output' | 'stored' | 'state' | 'projection' | 'beta'>,
): Record<string, string> {
  return {
    'per-head hidden width': String(d.hidden),
    'per-head pattern width': String(d.pattern),
    'output width': String(d.output),
    'stored pattern width': String(d.stored),
    'state pattern width': String(d.state),
    'pattern projection width': String(d.projection),
    'scaling (beta) per head': d.beta.join(', '),
  };
}

/**
 * Every difference between what a built AiT.js layer computes and what the hflayers module of
 * `from` computes (option by option, then width by width); empty when they compute the same.
 */
export function equivalenceIssues(layer: HflayersMappedLayer, from: AitjsFromHflayers): string[] {
  const issues: string[] = [];
  const module = hflayersModuleOf(layer);
  if (module !== from.module) return [`the layer is an AiT.js ${module}, the module an hflayers ${from.module}`];
  const hopfieldArgs = Object.fromEntries(Object.entries(from.args).filter(([k]) => k in hopfieldOptionsShape));
  const expected = validateConfig(`AiT.js options of hflayers ${from.module}`, hopfieldSchema, hopfieldArgs);
  const mine = computation(layer.config as HopfieldConfig);
  const theirs = computation(expected);
  for (const [k, v] of Object.entries(theirs))
    if (mine[k] !== v) issues.push(`${k}: the layer has ${mine[k]}, the hflayers module computes with ${v}`);
  if (module !== 'Hopfield') {
    const q = (layer.config as { quantity: number }).quantity;
    if (q !== from.config.quantity)
      issues.push(`quantity: the layer has ${q} learned patterns, the hflayers module ${from.config.quantity}`);
  }
  const d = from.dims;
  const own = sizes(innerHopfield(layer).dimensions);
  const other = sizes({ ...d, ...d.widths });
  for (const [k, v] of Object.entries(other)) if (own[k] !== v) issues.push(`${k}: the layer has ${own[k]}, the hflayers module ${v}`);
  return issues;
}

import { type HopfieldLayer, type HopfieldLayerArgs } from '../layers/hopfield-layer';
import { type AssociationActivation, type HopfieldArgs, type HopfieldConfig } from '../layers/hopfield-options';
import { HopfieldPooling, type HopfieldPoolingArgs } from '../layers/hopfield-pooling';
import { resolveHflayersDimensions } from './hflayers-dimensions';
import { HflayersInteropError } from './hflayers-error';
import {
  parseHflayersKwargs,
  type HflayersKwargsOf,
  type HflayersLayerKwargs,
  type HflayersModule,
  type HflayersModuleConfig,
  type HflayersPoolingKwargs,
  type HflayersHopfieldKwargs,
} from './hflayers-kwargs';

import {
  HFLAYERS_ACTIVATIONS,
  hflayersModuleOf,
  innerHopfield,
  type AitjsArgsOf,
  type AitjsFromHflayers,
  type HflayersMappedLayer,
} from './hflayers-mapped-layer';
import { equivalenceIssues } from './hflayers-equivalence';

function allEqual(list: readonly number[]): boolean {
  return list.every((v) => v === list[0]);
}

/** The problems that make an hflayers config compute something no AiT.js layer computes (none: it maps). */
function refusalsOf(cfg: HflayersModuleConfig): string[] {
  const a = cfg.hopfield;
  const issues: string[] = [];
  if (Array.isArray(a.scaling) && !allEqual(a.scaling)) {
    issues.push(
      `scaling [${a.scaling.join(', ')}]: hflayers multiplies the projected state by scaling.repeat(head_dim) along the feature axis, ` +
        'so entry i scales feature i mod num_heads of every head, not head i; AiT.js scales each head by its own beta. Give one float',
    );
  }
  if (Array.isArray(a.update_steps_max) && !allEqual(a.update_steps_max.map((v) => (v < 0 ? -1 : v)))) {
    issues.push(`update_steps_max [${a.update_steps_max.join(', ')}]: AiT.js has one update limit for all heads; give one int`);
  }
  const statics = (['stored_pattern_as_static', 'state_pattern_as_static', 'pattern_projection_as_static'] as const).filter((k) => a[k]);
  if (statics.length > 0 && a.num_heads > 1) {
    issues.push(
      `${statics.join(', ')} with num_heads ${a.num_heads}: hflayers repeats static patterns as [heads x batch] but splits projected ones ` +
        "as [batch x heads], so with more than one example per batch a head meets another example's patterns; use num_heads 1",
    );
  }
  if (a.pattern_projection_as_connected && !a.pattern_projection_as_static) {
    issues.push(
      'pattern_projection_as_connected without pattern_projection_as_static: hflayers projects the values with the stored-pattern ' +
        'projection and then again with v_proj_weight; AiT.js projects them once. Set pattern_projection_as_static (connected alone)',
    );
  }
  const act = a.association_activation;
  if (act != null && !(HFLAYERS_ACTIVATIONS as readonly string[]).includes(act)) {
    issues.push(
      `association_activation '${act}': hflayers applies getattr(torch, '${act}', None), which depends on the torch version (torch 1.13 has ` +
        `no torch.gelu, torch.softplus or torch.elu and then applies nothing); the map takes ${HFLAYERS_ACTIVATIONS.join(', ')} or None`,
    );
  }
  const input = a.input_size ?? null;
  if (
    cfg.module === 'HopfieldPooling' &&
    !a.state_pattern_as_static &&
    !a.stored_pattern_as_static &&
    a.stored_pattern_size != null &&
    a.stored_pattern_size !== input
  ) {
    issues.push(
      `stored_pattern_size ${a.stored_pattern_size} with input_size ${input}: AiT.js HopfieldPooling learns state patterns as wide as ` +
        'the stored patterns; use stored_pattern_size = input_size (or static state patterns)',
    );
  }
  if (cfg.module === 'HopfieldLayer' && !a.stored_pattern_as_static && a.stored_pattern_size != null && a.stored_pattern_size !== input) {
    issues.push(
      `stored_pattern_size ${a.stored_pattern_size} with input_size ${input}: AiT.js HopfieldLayer learns stored patterns as wide as ` +
        'its input; use stored_pattern_size = input_size (or static stored patterns)',
    );
  }
  if (
    cfg.module === 'HopfieldLayer' &&
    cfg.lookupWeightsAsSeparated &&
    !a.pattern_projection_as_static &&
    !a.pattern_projection_as_connected &&
    a.pattern_projection_size != null &&
    a.pattern_projection_size !== (a.stored_pattern_as_static ? (a.hidden_size ?? input) : (a.stored_pattern_size ?? input))
  ) {
    issues.push(
      `pattern_projection_size ${a.pattern_projection_size}: AiT.js HopfieldLayer learns projected targets as wide as its stored patterns; ` +
        'leave pattern_projection_size unset (or make the targets static)',
    );
  }
  if (a.concat_bias_pattern && (a.stored_pattern_as_static || a.pattern_projection_as_static)) {
    issues.push(
      'concat_bias_pattern with static stored patterns or projections: hflayers fails in its forward pass (assert bias_k is None)',
    );
  }
  return issues;
}

function notesOf(cfg: HflayersModuleConfig): string[] {
  const a = cfg.hopfield;
  const notes: string[] = [];
  if (a.concat_bias_pattern) {
    notes.push(
      'concat_bias_pattern: hflayers creates bias_k and bias_v but never appends them (functional.py tests key_as_static, a bool, ' +
        'against None), so the module computes without bias patterns; the AiT.js layer has concatBiasPattern false and both tensors are ignored',
    );
  }
  if (a.dropout > 0) {
    notes.push(
      `dropout ${a.dropout}: both drop association weights while training at this rate (different random draws); inference is equal`,
    );
  }
  if (!a.batch_first)
    notes.push('batch_first False: the module takes [patterns, batch, width]; AiT.js layers take [batch, patterns, width]');
  if (a.update_steps_max === null || (Array.isArray(a.update_steps_max) && (a.update_steps_max[0] as number) < 0)) {
    notes.push('update_steps_max None (until converged): AiT.js stops after at most 1000 updates');
  }
  return notes;
}

/** hflayers' `update_steps_max` as AiT.js's `updateStepsMax` (negative or None: until converged). */
function updateStepsMax(value: number | number[] | null): number | null {
  const v = Array.isArray(value) ? (value[0] as number) : value;
  return v === null || v < 0 ? null : v;
}

/**
 * The AiT.js layer options for an hflayers module with keyword arguments `kwargs` (see
 * {@link HflayersHopfieldKwargs}), when the two compute the same function: the options map
 * one-to-one (camelCase), with the sizes and the scaling made explicit. Throws a `ConfigError` for
 * arguments hflayers itself rejects by type, and an {@link HflayersInteropError}
 * (`unsupported-config`) listing every argument that hflayers rejects at run time or computes in a
 * way no AiT.js layer does: per-head `scaling` with different values (hflayers applies it to the
 * wrong axis), per-head `update_steps_max` with different values, static patterns with more than
 * one head (hflayers pairs a static head with another example's patterns), connected pattern
 * projections that are also projected again, and association activations other than relu, tanh
 * and sigmoid. `concat_bias_pattern` maps to no bias pattern, because hflayers never appends it.
 */
export function aitjsArgsFromHflayers<M extends HflayersModule>(module: M, kwargs: HflayersKwargsOf[M]): AitjsFromHflayers<M> {
  const cfg = parseHflayersKwargs(module, kwargs);
  const where = `hflayers ${module} -> AiT.js ${module}`;
  const resolved = resolveHflayersDimensions(cfg);
  const issues = [...refusalsOf(cfg), ...(resolved.ok ? [] : resolved.problems)];
  if (!resolved.ok || issues.length > 0) throw new HflayersInteropError('unsupported-config', where, issues);
  const dims = resolved.dims;
  const a = cfg.hopfield;
  const hopfield: HopfieldArgs = {
    numHeads: dims.heads,
    hiddenSize: dims.hidden,
    patternSize: dims.pattern,
    outputSize: a.disable_out_projection ? null : dims.output,
    scaling: dims.beta[0] as number,
    updateStepsMax: updateStepsMax(a.update_steps_max),
    updateStepsEps: Array.isArray(a.update_steps_eps) ? [...a.update_steps_eps] : a.update_steps_eps,
    normalizeStoredPattern: a.normalize_stored_pattern,
    normalizeStoredPatternAffine: a.normalize_stored_pattern_affine,
    normalizeStoredPatternEps: a.normalize_stored_pattern_eps,
    normalizeStatePattern: a.normalize_state_pattern,
    normalizeStatePatternAffine: a.normalize_state_pattern_affine,
    normalizeStatePatternEps: a.normalize_state_pattern_eps,
    normalizePatternProjection: a.normalize_pattern_projection,
    normalizePatternProjectionAffine: a.normalize_pattern_projection_affine,
    normalizePatternProjectionEps: a.normalize_pattern_projection_eps,
    normalizeHopfieldSpace: a.normalize_hopfield_space,
    normalizeHopfieldSpaceAffine: a.normalize_hopfield_space_affine,
    normalizeHopfieldSpaceEps: a.normalize_hopfield_space_eps,
    storedPatternAsStatic: a.stored_pattern_as_static,
    statePatternAsStatic: a.state_pattern_as_static,
    patternProjectionAsStatic: a.pattern_projection_as_static,
    patternProjectionAsConnected: a.pattern_projection_as_connected,
    associationActivation: (a.association_activation ?? null) as AssociationActivation | null,
    dropout: a.dropout,
    inputBias: a.input_bias,
    concatBiasPattern: false,
    addZeroAssociation: a.add_zero_association,
    disableOutProjection: a.disable_out_projection,
  };
  const w = dims.widths;
  const shape = (width: number): (number | null)[] => [null, null, width];
  let args: HopfieldArgs | HopfieldPoolingArgs | HopfieldLayerArgs;
  let inputShapes: (number | null)[][];
  if (module === 'Hopfield') {
    args = hopfield;
    inputShapes = [shape(w.stored), shape(w.state), shape(w.projection)];
  } else if (module === 'HopfieldPooling') {
    args = { ...hopfield, quantity: cfg.quantity, statePatternTrainable: cfg.trainable, flattenOutput: true };
    inputShapes = [shape(w.stored), shape(w.projection)];
  } else {
    args = {
      ...hopfield,
      quantity: cfg.quantity,
      lookupWeightsTrainable: cfg.trainable,
      lookupWeightsAsSeparated: cfg.lookupWeightsAsSeparated,
      lookupTargetsAsTrainable: cfg.lookupTargetsAsTrainable,
    };
    inputShapes = [shape(w.state)];
  }
  return { module, args: args as AitjsArgsOf[M], inputShapes, dims, config: cfg, notes: notesOf(cfg) };
}

/** An hflayers module's keyword arguments for an AiT.js layer, and what to know. */
export interface HflayersFromAitjs<M extends HflayersModule = HflayersModule> {
  readonly module: M;
  /** Keyword arguments (Python names, JSON values) that build the module computing what the layer computes. */
  readonly kwargs: HflayersKwargsOf[M];
  /** Differences that do not change the inference output, each in a sentence. */
  readonly notes: readonly string[];
}

const EPS_OPTIONS = ['normalizeStoredPattern', 'normalizeStatePattern', 'normalizePatternProjection', 'normalizeHopfieldSpace'] as const;

/**
 * The keyword arguments of the hflayers module (`Hopfield`, `HopfieldPooling` or `HopfieldLayer`)
 * that computes what the built AiT.js `layer` computes, with every size and the scaling explicit
 * (`pattern_size` only where it differs from `hidden_size`, so that the module keeps its packed
 * `in_proj_weight` where it can). Throws an {@link HflayersInteropError}: `not-built` before the
 * layer has weights, `unsupported-config` listing every option hflayers cannot reproduce: bias
 * patterns (hflayers never appends them), per-head scaling with different values, static patterns
 * with more than one head, activations other than relu, tanh and sigmoid, and, for the wrappers,
 * normalisation eps other than 1e-5 (`HopfieldPooling` / `HopfieldLayer` do not pass theirs on).
 * The kwargs are checked by mapping them back and comparing with the layer.
 */
export function hflayersKwargsFor(layer: HflayersMappedLayer): HflayersFromAitjs {
  const module = hflayersModuleOf(layer);
  const where = `AiT.js ${module} '${layer.name}' -> hflayers ${module}`;
  if (!layer.built)
    throw new HflayersInteropError('not-built', where, ['the layer is not built: call it once (or load weights into it) before exporting']);
  const cfg = layer.config as HopfieldConfig;
  const d = innerHopfield(layer).dimensions;
  const issues: string[] = [];
  if (cfg.concatBiasPattern) {
    issues.push(
      'concatBiasPattern: hflayers creates its bias patterns (bias_k, bias_v) but never appends them, so no hflayers module computes this layer',
    );
  }
  if (!allEqual(d.beta)) {
    issues.push(
      `scaling [${d.beta.join(', ')}]: hflayers applies a per-head scaling to the wrong axis (feature i mod num_heads); give one number`,
    );
  }
  const act = cfg.associationActivation ?? null;
  if (act !== null && !(HFLAYERS_ACTIVATIONS as readonly string[]).includes(act)) {
    issues.push(
      `associationActivation '${act}': torch has no top-level torch.${act} for hflayers to apply; use ${HFLAYERS_ACTIVATIONS.join(', ')} or none`,
    );
  }
  const statics = (['storedPatternAsStatic', 'statePatternAsStatic', 'patternProjectionAsStatic'] as const).filter((k) => cfg[k]);
  if (statics.length > 0 && d.heads > 1) {
    issues.push(
      `${statics.join(', ')} with numHeads ${d.heads}: hflayers pairs static patterns with another example's patterns when heads > 1; use numHeads 1`,
    );
  }
  if (module !== 'Hopfield') {
    for (const k of EPS_OPTIONS) {
      if (cfg[k] && cfg[`${k}Eps`] !== 1e-5) {
        issues.push(
          `${k}Eps ${cfg[`${k}Eps`]}: hflayers' ${module} does not pass its normalisation eps on (always 1e-5); use 1e-5 or an hflayers Hopfield`,
        );
      }
    }
  }
  if (issues.length > 0) throw new HflayersInteropError('unsupported-config', where, issues);
  const connected = cfg.patternProjectionAsConnected;
  const kwargs: HflayersHopfieldKwargs = {
    input_size: d.state,
    hidden_size: d.hidden,
    ...(d.pattern !== d.hidden ? { pattern_size: d.pattern } : {}),
    ...(cfg.disableOutProjection ? {} : { output_size: d.output }),
    num_heads: d.heads,
    scaling: d.beta[0] as number,
    update_steps_max: cfg.updateStepsMax,
    update_steps_eps: typeof cfg.updateStepsEps === 'number' ? cfg.updateStepsEps : [...cfg.updateStepsEps],
    normalize_stored_pattern: cfg.normalizeStoredPattern,
    normalize_stored_pattern_affine: cfg.normalizeStoredPattern && cfg.normalizeStoredPatternAffine,
    normalize_state_pattern: cfg.normalizeStatePattern,
    normalize_state_pattern_affine: cfg.normalizeStatePattern && cfg.normalizeStatePatternAffine,
    normalize_pattern_projection: cfg.normalizePatternProjection,
    normalize_pattern_projection_affine: cfg.normalizePatternProjection && cfg.normalizePatternProjectionAffine,
    normalize_hopfield_space: cfg.normalizeHopfieldSpace,
    normalize_hopfield_space_affine: cfg.normalizeHopfieldSpace && cfg.normalizeHopfieldSpaceAffine,
    stored_pattern_as_static: cfg.storedPatternAsStatic,
    state_pattern_as_static: cfg.statePatternAsStatic,
    pattern_projection_as_static: cfg.patternProjectionAsStatic || connected,
    pattern_projection_as_connected: connected,
    stored_pattern_size: d.stored,
    pattern_projection_size: d.projection,
    batch_first: true,
    association_activation: act,
    dropout: cfg.dropout,
    input_bias: cfg.inputBias,
    concat_bias_pattern: false,
    add_zero_association: cfg.addZeroAssociation,
    disable_out_projection: cfg.disableOutProjection,
  };
  let out: HflayersHopfieldKwargs | HflayersPoolingKwargs | HflayersLayerKwargs;
  if (module === 'Hopfield') {
    out = {
      ...kwargs,
      normalize_stored_pattern_eps: cfg.normalizeStoredPatternEps,
      normalize_state_pattern_eps: cfg.normalizeStatePatternEps,
      normalize_pattern_projection_eps: cfg.normalizePatternProjectionEps,
      normalize_hopfield_space_eps: cfg.normalizeHopfieldSpaceEps,
    };
  } else if (layer instanceof HopfieldPooling) {
    out = { ...kwargs, input_size: d.state, quantity: layer.config.quantity, trainable: layer.config.statePatternTrainable };
  } else {
    const c = (layer as HopfieldLayer).config;
    out = {
      ...kwargs,
      input_size: d.state,
      quantity: c.quantity,
      trainable: c.lookupWeightsTrainable,
      lookup_weights_as_separated: c.lookupWeightsAsSeparated,
      lookup_targets_as_trainable: c.lookupTargetsAsTrainable,
    };
  }
  let back: AitjsFromHflayers;
  try {
    back = aitjsArgsFromHflayers(module, out as HflayersKwargsOf[typeof module]);
  } catch (err) {
    if (err instanceof HflayersInteropError) throw new HflayersInteropError('unsupported-config', where, err.issues);
    throw err;
  }
  const differences = equivalenceIssues(layer, back);
  if (differences.length > 0) throw new HflayersInteropError('unsupported-config', where, differences);
  const notes = [...back.notes];
  if (layer instanceof HopfieldPooling && !layer.config.flattenOutput) {
    notes.push(
      'flattenOutput false: hflayers HopfieldPooling returns [batch, quantity * outputWidth]; this layer the same values as [batch, quantity, outputWidth]',
    );
  }
  return { module, kwargs: out as HflayersKwargsOf[typeof module], notes };
}

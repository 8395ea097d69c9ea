import type { HflayersModuleConfig } from './hflayers-kwargs';

/**
 * Every width an hflayers module computes with, resolved from its constructor arguments exactly as
 * hflayers resolves them (`Hopfield.__init__`, `HopfieldCore.__init__` and the wrappers), and the
 * `state_dict` layout that follows from them.
 */
export interface HflayersDimensions {
  /** `num_heads`. */
  readonly heads: number;
  /** Per-head width of the Hopfield space (`HopfieldCore.head_dim`; the state width when everything is static). */
  readonly hidden: number;
  /** Per-head width of the projected patterns (`pattern_dim`). */
  readonly pattern: number;
  /** Output width: `output_size ?? input_size`, or `num_heads * pattern` without the output projection. */
  readonly output: number;
  /** The input widths reaching the association: stored patterns, state patterns and pattern projection. */
  readonly widths: { readonly stored: number; readonly state: number; readonly projection: number };
  /** `HopfieldCore.embed_dim`, `kdim` and `vdim` (null in static-only execution). */
  readonly embed: number | null;
  readonly kdim: number | null;
  readonly vdim: number | null;
  /** `HopfieldCore.static_execution`: all patterns static, no Hopfield-space norm, no output projection, nothing connected. */
  readonly staticExecution: boolean;
  /** `HopfieldCore._qkv_same_embed_dim`: one packed `in_proj_weight` instead of `q/k/v_proj_weight`. */
  readonly packed: boolean;
  /** The effective scaling (beta) per head: `scaling`, or hflayers' default `1 / sqrt(head_dim)` (1.0 in static-only execution). */
  readonly beta: readonly number[];
  /** Width of the wrappers' learned patterns: `pooling_weights`, `lookup_weights` and `target_weights` (null where absent). */
  readonly learned: { readonly pooling: number | null; readonly lookup: number | null; readonly target: number | null };
}

/** What {@link resolveHflayersDimensions} returns: the widths, or what hflayers itself would reject. */
export type HflayersDimensionsResult =
  { readonly ok: true; readonly dims: HflayersDimensions } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Resolves the widths of an hflayers module from its parsed constructor arguments, mirroring
 * hflayers at {@link HFLAYERS_COMMIT}; collects (does not throw) every combination hflayers
 * rejects with an assertion, a failed LayerNorm or a shape error in its forward pass.
 */
export function resolveHflayersDimensions(cfg: HflayersModuleConfig): HflayersDimensionsResult {
  const a = cfg.hopfield;
  const problems: string[] = [];
  const heads = a.num_heads;
  const kStatic = a.stored_pattern_as_static;
  const qStatic = a.state_pattern_as_static;
  const vStatic = a.pattern_projection_as_static;
  const connected = a.pattern_projection_as_connected;
  const staticExecution =
    kStatic &&
    qStatic &&
    vStatic &&
    !connected &&
    !a.normalize_hopfield_space &&
    !a.normalize_hopfield_space_affine &&
    a.disable_out_projection;
  for (const [norm, affine] of [
    ['normalize_stored_pattern', 'normalize_stored_pattern_affine'],
    ['normalize_state_pattern', 'normalize_state_pattern_affine'],
    ['normalize_pattern_projection', 'normalize_pattern_projection_affine'],
    ['normalize_hopfield_space', 'normalize_hopfield_space_affine'],
  ] as const) {
    if (a[affine] && !a[norm])
      problems.push(`${affine} without ${norm}: hflayers asserts "affine normalization without normalization has no effect"`);
  }
  if (a.input_size == null) {
    problems.push(
      staticExecution
        ? 'input_size is not given: give the width of the state patterns (static-only execution takes it from the data, a map needs it)'
        : 'input_size is not given: hflayers requires it unless every pattern is static (static-only execution)',
    );
    return { ok: false, problems };
  }
  const input = a.input_size;
  let hidden: number;
  let pattern: number;
  let embed: number | null = null;
  let kdim: number | null = null;
  let vdim: number | null = null;
  let widths: { stored: number; state: number; projection: number };
  if (staticExecution) {
    // HopfieldCore keeps no widths; the data decides: head_dim = query.shape[2] = key.shape[2].
    hidden = input;
    widths = { state: input, stored: a.stored_pattern_size ?? input, projection: a.pattern_projection_size ?? input };
    pattern = widths.projection;
    if (widths.stored !== widths.state) {
      problems.push(
        `static-only execution needs stored patterns as wide as the state patterns: stored_pattern_size ${widths.stored}, input_size ${input}`,
      );
    }
  } else {
    embed = input;
    kdim = a.stored_pattern_size ?? input;
    vdim = a.pattern_projection_size ?? input;
    if (a.hidden_size != null) hidden = a.hidden_size;
    else if (input % heads === 0) hidden = input / heads;
    else {
      problems.push(
        `input_size ${input} is not divisible by num_heads ${heads} (hflayers: "embed_dim must be divisible by num_heads"); give hidden_size`,
      );
      return { ok: false, problems };
    }
    pattern = a.pattern_size ?? hidden;
    if (connected && kdim !== vdim) {
      problems.push(
        `pattern_projection_as_connected needs stored_pattern_size = pattern_projection_size (hflayers asserts kdim == vdim), got ${kdim} and ${vdim}`,
      );
    }
    if (connected && pattern !== hidden) {
      problems.push(
        `pattern_projection_as_connected needs pattern_size = hidden_size (hflayers asserts pattern_dim == head_dim), got ${pattern} and ${hidden}`,
      );
    }
    const projection = connected ? (kStatic ? hidden : kdim) : vStatic ? pattern : vdim;
    widths = { state: qStatic ? hidden : input, stored: kStatic ? hidden : kdim, projection };
    if (vStatic && projection !== pattern && !a.disable_out_projection) {
      problems.push(
        `static pattern projections of width ${projection} with an output projection: hflayers asserts their width equals pattern_size (${pattern})`,
      );
    }
  }
  if (a.normalize_hopfield_space_affine && a.hidden_size == null) {
    problems.push(
      'normalize_hopfield_space_affine without hidden_size: hflayers sizes p_norm_weight by the hidden_size argument and fails on None',
    );
  }
  const normSizes: [string, boolean, number, number][] = [
    ['normalize_stored_pattern', a.normalize_stored_pattern, a.stored_pattern_size ?? input, widths.stored],
    ['normalize_state_pattern', a.normalize_state_pattern, input, widths.state],
    ['normalize_pattern_projection', a.normalize_pattern_projection, a.pattern_projection_size ?? input, widths.projection],
  ];
  for (const [name, on, size, width] of normSizes) {
    if (on && size !== width)
      problems.push(`${name}: hflayers builds LayerNorm(${size}) but the patterns it normalises have width ${width}`);
  }
  const output = a.disable_out_projection ? heads * pattern : (a.output_size ?? input);
  const packed = !staticExecution && kdim === embed && vdim === embed && a.pattern_size == null && !connected;
  const scaling = a.scaling ?? (staticExecution ? 1 : 1 / Math.sqrt(hidden));
  const beta = typeof scaling === 'number' ? Array.from({ length: heads }, () => scaling) : [...scaling];
  if (beta.length !== heads)
    problems.push(`scaling has ${beta.length} entries for num_heads ${heads} (hflayers asserts "only one entry per head")`);
  const learned = learnedWidths(cfg, widths, hidden, problems);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, dims: { heads, hidden, pattern, output, widths, embed, kdim, vdim, staticExecution, packed, beta, learned } };
}

/** Widths of the wrappers' learned patterns, checked against what reaches the association. */
function learnedWidths(
  cfg: HflayersModuleConfig,
  widths: { stored: number; state: number; projection: number },
  hidden: number,
  problems: string[],
): HflayersDimensions['learned'] {
  const a = cfg.hopfield;
  const input = a.input_size as number;
  if (cfg.module === 'HopfieldPooling') {
    // pooling_weights: hopfield.hidden_size if state_pattern_as_static else input_size.
    const pooling = a.state_pattern_as_static ? hidden : input;
    if (pooling !== widths.state) problems.push(`pooling_weights of width ${pooling} cannot be state patterns of width ${widths.state}`);
    return { pooling, lookup: null, target: null };
  }
  if (cfg.module === 'HopfieldLayer') {
    // lookup_weights: hidden_size if stored_pattern_as_static else stored_pattern_dim; target_weights: pattern_projection_size or that.
    const lookup = a.stored_pattern_as_static ? hidden : (a.stored_pattern_size ?? input);
    const target = cfg.lookupWeightsAsSeparated ? (a.pattern_projection_size ?? lookup) : null;
    if (lookup !== widths.stored) problems.push(`lookup_weights of width ${lookup} cannot be stored patterns of width ${widths.stored}`);
    const projected = target ?? lookup;
    if (projected !== widths.projection) {
      problems.push(
        `${target === null ? 'lookup_weights (also the pattern projection)' : 'target_weights'} of width ${projected} cannot be a pattern projection of width ${widths.projection}`,
      );
    }
    return { pooling: null, lookup, target };
  }
  return { pooling: null, lookup: null, target: null };
}

import { rateSchema, z } from '@ait/core';
import { layerCountSchema } from '../layer-count';
import { checkDivisible, familySchemas, type ConfigProblem } from '../../blocks/config-checks';
import { imageClassifierFields } from '../../blocks/image-classifier-options';
import { POSITION_TABLES_1D, SHARED_WORKSPACE_POSITION_ROWS } from '../../blocks/sinusoidal-position-embedding-1d';
import { WORKSPACE_GATE_STYLES } from './shared-workspace';

const coordinationFields = {
  ...imageClassifierFields,
  /** Side of the square patches (reference: 4). */
  patchSize: z.number().int().positive(),
  /** Token width D (reference: 256). */
  dim: z.number().int().positive(),
  /** Number of layers (reference: 4). */
  layers: layerCountSchema,
  /** Heads of the workspace attentions (reference: 4); D must divide by it. */
  heads: z.number().int().positive(),
  /** Feed-forward hidden width F (reference: 512). */
  ffnDim: z.number().int().positive(),
  /** Memory slots M (reference: 8). */
  slots: z.number().int().positive(),
  /** Tokens each slot may read (reference: 20 on Triangle, 5 on Sort-of-CLEVR). */
  topK: z.number().int().positive(),
  /** Query / key width per head of the workspace (reference: 32). */
  keyDim: z.number().int().positive().default(32),
  /** One set of layer weights applied `layers` times (the paper's setting) or one per layer. */
  sharedParameters: z.boolean().default(true),
  /** Gate per slot element (`unit`, reference) or per slot (`memory`). */
  gateStyle: z.enum(WORKSPACE_GATE_STYLES).default('unit'),
  /** Renormalise the kept write weights (default false, as the reference). */
  renormalizeTopK: z.boolean().default(false),
  /** Read the class from the CLS token (reference) or from the mean of the tokens. */
  pool: z.enum(['cls', 'mean']).default('cls'),
  /** Dropout on both residual branches (reference: 0.1). */
  dropout: rateSchema.default(0.1),
  /**
   * The fixed position table: `standard` (default, Vaswani et al.) or `official`, the table the
   * official shared_workspace code adds (other exponents, scaled by sigmoid(1); see
   * `sharedWorkspacePositionTable1d`). `official` needs an even `dim` and at most 300 tokens.
   */
  positionTable: z.enum(POSITION_TABLES_1D).default('standard'),
  /**
   * A learned bias per slot and gate unit, `gate_memory_bias [slots, 2G]`, added to the gates from
   * the memory, as the official code's `memory_gate_projector` (a `GroupLinearLayer`) has; default false.
   */
  slotGateBias: z.boolean().default(false),
};

/** What the `official` position table needs of a config (an even width, at most 300 tokens). */
function checkPositionTable(c: {
  positionTable: string;
  dim: number;
  imageSize: number | null;
  patchSize: number;
  pool: string;
}): ConfigProblem[] {
  if (c.positionTable !== 'official') return [];
  const problems: ConfigProblem[] = [];
  if (c.dim % 2 !== 0)
    problems.push({ path: 'dim', message: `dim ${c.dim} must be even for positionTable 'official' (its columns come in pairs).` });
  if (c.imageSize !== null) {
    const tokens = Math.floor(c.imageSize / c.patchSize) ** 2 + (c.pool === 'cls' ? 1 : 0);
    if (tokens > SHARED_WORKSPACE_POSITION_ROWS) {
      problems.push({
        path: 'positionTable',
        message: `positionTable 'official' has ${SHARED_WORKSPACE_POSITION_ROWS} rows but ${c.imageSize}x${c.imageSize} images in ${c.patchSize}x${c.patchSize} patches give ${tokens} tokens; use a larger patchSize or positionTable 'standard'.`,
      });
    }
  }
  return problems;
}

const schemas = familySchemas(coordinationFields, (c) => [
  ...checkDivisible(c, 'dim', 'heads', ' (the value heads split the width)'),
  ...checkPositionTable(c),
]);

/** Config schema of the Coordination family (validated by `createModel`). */
export const coordinationSchema = schemas.config;

/** The same fields plus tfjs' base layer arguments, as the model's constructor receives them. */
export const coordinationLayerSchema = schemas.layer;

/** A complete, validated Coordination config. */
export type CoordinationConfig = z.output<typeof coordinationSchema>;

import { layerArgsShape, rateSchema, z } from '@ait/core';
import { layerCountSchema } from '../layer-count';
import { checkTokenGrid, convStemSchema, POSITION_EMBEDDINGS } from '../token-grid';
import { HEAD_KINDS } from '../../blocks/classification-head';

/** How tokens compete for the memory slots in AiT's bottleneck write. */
export const COMPETITION_MODES = ['batch', 'sample'] as const;
/** One of {@link COMPETITION_MODES}. */
export type CompetitionMode = (typeof COMPETITION_MODES)[number];

/** How AiT's priors (memory slots) are kept. */
export const MEMORY_MODES = ['ema', 'learned'] as const;
/** One of {@link MEMORY_MODES}. */
export type MemoryMode = (typeof MEMORY_MODES)[number];

/**
 * The ablations of the AiT paper as switches (all `false` is the full model). See the README for
 * exactly what each one computes.
 */
export const aitAblationSchema = z
  .strictObject({
    /** Bottleneck write without top-k: every slot attends to every token (dense softmax). */
    noBottleneck: z.boolean().default(false),
    /** Self-attention sub-layer replaced by the identity, as the reference code's `SA = False` (`x + LN(x)`). */
    noSelfAttention: z.boolean().default(false),
    /** No memory: the global workspace layer keeps only its feed-forward network and LayerNorm. */
    noMemory: z.boolean().default(false),
    /** No Hopfield read: tokens cross-attend to the up-projected priors instead (multi-head attention). */
    noHopfield: z.boolean().default(false),
    /** No balance loss (the bottleneck's query and key projections then receive no gradient in 'ema' mode). */
    noBalanceLoss: z.boolean().default(false),
    /** Priors reset every pass: each forward pass starts from the initial priors and nothing is stored. */
    resetMemory: z.boolean().default(false),
  })
  .prefault({});

/** The ablation switches after defaults. */
export type AitAblation = z.output<typeof aitAblationSchema>;

/**
 * Options of the global workspace layer (shared by {@link aitConfigSchema} and the
 * `GlobalWorkspaceLayer` config). Defaults are the reference code's.
 */
export const globalWorkspaceShape = {
  /** Feed-forward hidden width F (reference: 3072 for D = 768). */
  mlpDim: z.number().int().positive().default(3072),
  /** Dropout inside the feed-forward network; reference 0. */
  dropout: rateSchema.default(0),
  /** Memory slots M (priors). */
  memorySlots: z.number().int().positive().default(32),
  /** Memory width Dm (low rank). */
  memoryDim: z.number().int().positive().default(32),
  /** Bottleneck heads Hm. */
  memoryHeads: z.number().int().positive().default(8),
  /** Bottleneck size k: tokens each slot keeps per head (k >= tokens is a dense softmax). */
  topK: z.number().int().positive().default(512),
  /** 'batch': tokens of all images compete (reference); 'sample': each image's tokens compete on their own. */
  competition: z.enum(COMPETITION_MODES).default('batch'),
  /** 'ema': priors are a non-trainable EMA buffer (reference); 'learned': a trainable weight. */
  memory: z.enum(MEMORY_MODES).default('ema'),
  /** EMA momentum: `priors <- momentum * priors + (1 - momentum) * written`; reference 0.9. */
  memoryMomentum: z.number().min(0).lt(1).default(0.9),
  /** Whether evaluation passes store their memory update too (reference: true). */
  memoryUpdateInEval: z.boolean().default(true),
  /** Dropout on the bottleneck write's output projection; reference 0.1. */
  writeDropout: rateSchema.default(0.1),
  /** Weight of the balance loss per head; reference 0.01. */
  balanceLossWeight: z.number().nonnegative().default(0.01),
  /** Hopfield update steps (with projections: at most, as ml-jku's `update_steps_max + 1`); reference 1. */
  hopfieldSteps: z.number().int().positive().default(1),
  /** Hopfield inverse temperature beta; reference 1. */
  beta: z.number().positive().default(1),
  /**
   * Learned Hopfield projections: the read becomes `@ait/hopfield`'s `Hopfield` layer (input
   * LayerNorms, projections of state, stored patterns and pattern projection, output projection);
   * reference false. The reference's non-default variant: `hopfieldProjections: true,
   * hopfieldHeads: 8, hopfieldHeadDim: dim, hopfieldSteps: 4, hopfieldDropout: 0.5`.
   */
  hopfieldProjections: z.boolean().default(false),
  /** Heads of the learned Hopfield projections (the non-default variant: 8). */
  hopfieldHeads: z.number().int().positive().default(8),
  /** Width of each head in the Hopfield space (ml-jku's `hidden_size`); default `dim / hopfieldHeads` (the non-default variant: `dim`). */
  hopfieldHeadDim: z.number().int().positive().nullish(),
  /** Dropout on the association matrix of the learned-projection read (the non-default variant: 0.5). */
  hopfieldDropout: rateSchema.default(0),
  /** Heads of the cross-attention that replaces the Hopfield read in the `noHopfield` ablation. */
  crossAttentionHeads: z.number().int().positive().default(4),
  /** Keep the internal maps of each forward pass for visualisation; default false. */
  recordMaps: z.boolean().default(false),
};

/** The options of a global workspace layer: {@link globalWorkspaceShape} plus the ablations. */
export const globalWorkspaceOptionsSchema = z.strictObject({
  ...globalWorkspaceShape,
  /** Paper ablations (switches; all `false` is the full layer). */
  ablation: aitAblationSchema,
});

/** Validated options of a global workspace layer. */
export type GlobalWorkspaceOptions = z.output<typeof globalWorkspaceOptionsSchema>;

/**
 * Full configuration of the Associative Transformer. Defaults reproduce the reference code's
 * AiT-Small on CIFAR-10 (image 32, patch 4, D 768, 2 layers, 12 heads of 64, F 3072, M 32, Dm 32,
 * Hm 8, k 512, flatten head, no position embedding).
 *
 * @example
 * ```ts
 * import { aitConfigSchema } from '@ait/vision';
 *
 * const config = aitConfigSchema.parse({ dim: 256, numHeads: 4 }); // every other option at its default
 * console.log(config.depth, config.topK, config.memorySlots); // 2 512 32
 * console.log(aitConfigSchema.safeParse({ patchSize: 5 }).success); // false: 5 does not divide the image size 32
 * ```
 */
export const aitConfigSchema = z
  .strictObject({
    ...layerArgsShape,
    ...globalWorkspaceShape,
    /** Side of the (square) input images. */
    imageSize: z.number().int().positive().default(32),
    /** Patch side P; must divide the side of the stem's output (imageSize without a stem). */
    patchSize: z.number().int().positive().default(4),
    /**
     * Channels of a convolutional tokenizer stem before the patch embedding (each stage: 3x3
     * convolution, ReLU, 2x2 max pool); `[]` (reference) embeds the raw image patches.
     */
    convStem: convStemSchema,
    /** Image channels. */
    channels: z.number().int().positive().default(3),
    /** Classes of the classifier. */
    classes: z.number().int().positive().default(10),
    /** Token width D. */
    dim: z.number().int().positive().default(768),
    /** Blocks. */
    depth: layerCountSchema.default(2),
    /** Self-attention heads H. */
    numHeads: z.number().int().positive().default(12),
    /** Width of each self-attention head; reference 64. */
    headDim: z.number().int().positive().default(64),
    /** Head: 'flatten' (reference), 'mean' or 'cls'. */
    head: z.enum(HEAD_KINDS).default('flatten'),
    /** Position embedding: 'none' (reference), 'learned' or 'sincos' (fixed 2-D sine-cosine; dim divisible by 4). */
    positionEmbedding: z.enum(POSITION_EMBEDDINGS).default('none'),
    /** Question vector width for the Sort-of-CLEVR question-token variant (18), or null for images only. */
    questionDim: z.number().int().positive().nullish(),
    /** Paper ablations. */
    ablation: aitAblationSchema,
  })
  .superRefine((c, ctx) => {
    checkTokenGrid(c, ctx);
    if (c.hopfieldProjections && c.hopfieldHeadDim == null && c.dim % c.hopfieldHeads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['hopfieldHeads'],
        message: `dim ${c.dim} is not divisible by hopfieldHeads ${c.hopfieldHeads}; set hopfieldHeadDim`,
      });
    }
    if (c.ablation.noHopfield && c.dim % c.crossAttentionHeads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['crossAttentionHeads'],
        message: `dim ${c.dim} is not divisible by crossAttentionHeads ${c.crossAttentionHeads}`,
      });
    }
    if (c.ablation.resetMemory && c.memory === 'learned') {
      ctx.addIssue({
        code: 'custom',
        path: ['ablation', 'resetMemory'],
        message: "applies to memory 'ema' only (learned priors are weights the optimiser trains)",
      });
    }
  });

/** Associative Transformer options as accepted (defaults filled in by the schema). */
export type AitConfigInput = z.input<typeof aitConfigSchema>;
/** Associative Transformer options after validation. */
export type AitConfig = z.output<typeof aitConfigSchema>;

import { layerArgsShape, rateSchema, z } from '@ait/core';
import { layerCountSchema } from '../layer-count';
import { HEAD_KINDS } from '../../blocks/classification-head';
import { checkTokenGrid, convStemSchema, POSITION_EMBEDDINGS } from '../token-grid';

/**
 * Configuration of the Vision Transformer. Defaults are ViT-Base as the AiT paper compares with it
 * on CIFAR (image 32, patch 4, D 768, 12 layers, 12 heads of 64, MLP 3072, CLS token and learned
 * position embedding).
 */
export const vitConfigSchema = z
  .strictObject({
    ...layerArgsShape,
    /** Side of the (square) input images. */
    imageSize: z.number().int().positive().default(32),
    /** Patch side P; must divide the side of the stem's output (imageSize without a stem). */
    patchSize: z.number().int().positive().default(4),
    /**
     * Channels of a convolutional tokenizer stem before the patch embedding (each stage: 3x3
     * convolution, ReLU, 2x2 max pool), as AiT's; `[]` (ViT) embeds the raw image patches.
     */
    convStem: convStemSchema,
    /** Image channels. */
    channels: z.number().int().positive().default(3),
    /** Classes of the classifier. */
    classes: z.number().int().positive().default(10),
    /** Token width D. */
    dim: z.number().int().positive().default(768),
    /** Blocks. */
    depth: layerCountSchema.default(12),
    /** Self-attention heads. */
    numHeads: z.number().int().positive().default(12),
    /** Width of each head; 64 in the reference code. */
    headDim: z.number().int().positive().default(64),
    /** Hidden width of the MLP. */
    mlpDim: z.number().int().positive().default(3072),
    /** Dropout after the attention projection and inside the MLP; default 0 (the AiT comparison). */
    dropout: rateSchema.default(0),
    /** Dropout on the attention weights; default 0. */
    attentionDropout: rateSchema.default(0),
    /** Stochastic depth rate of every block; default 0. */
    dropPath: rateSchema.default(0),
    /** Dropout on the tokens after the position embedding; default 0. */
    embedDropout: rateSchema.default(0),
    /** Head: 'cls' (ViT), 'flatten' (the flatten-head variant the AiT comparison used) or 'mean'. */
    head: z.enum(HEAD_KINDS).default('cls'),
    /** Position embedding: 'learned' (ViT), 'sincos' (fixed 2-D sine-cosine over the patch grid; dim divisible by 4) or 'none'. */
    positionEmbedding: z.enum(POSITION_EMBEDDINGS).default('learned'),
    /**
     * Question vector width (18 for Sort-of-CLEVR), or null for images only: the question becomes
     * one token `LN(q) -> Linear(q, D) -> LN(D)` put before the patch tokens (after the CLS token),
     * as in the AiT reference code's ViT for relational reasoning (`vit_hn_clevr.py`).
     */
    questionDim: z.number().int().positive().nullish(),
    /**
     * LayerNorm over each flattened patch (`P*P*C`) before the patch projection; default true (the
     * AiT reference code). timm's ViT has none: false.
     */
    patchPreNorm: z.boolean().default(true),
    /**
     * LayerNorm over each token (D) after the patch projection; default true (the AiT reference
     * code). timm's ViT: false (true with its `embed_norm_layer`).
     */
    patchPostNorm: z.boolean().default(true),
    /** Whether the blocks' fused QKV projection has a bias; default false (the AiT reference code; timm's ViT: true). */
    qkvBias: z.boolean().default(false),
    /** Epsilon of every LayerNorm; default 1e-5 (PyTorch's; timm's ViT: 1e-6). */
    layerNormEpsilon: z.number().nonnegative().default(1e-5),
    /** Keep the attention weights of each forward pass for `internalMaps()`; default false. */
    recordMaps: z.boolean().default(false),
  })
  .superRefine(checkTokenGrid);

/** ViT options as accepted (defaults filled in by the schema). */
export type VitConfigInput = z.input<typeof vitConfigSchema>;
/** ViT options after validation. */
export type VitConfig = z.output<typeof vitConfigSchema>;

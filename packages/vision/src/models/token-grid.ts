import { ConvStem, convStemOutputSize, LearnedPositionEmbedding, SinusoidalPositionEmbedding2d, z, type AitLayer } from '@ait/core';

/** Position embeddings a model may add to its tokens. */
export const POSITION_EMBEDDINGS = ['none', 'learned', 'sincos'] as const;
/** One of {@link POSITION_EMBEDDINGS}. */
export type PositionEmbeddingKind = (typeof POSITION_EMBEDDINGS)[number];

/**
 * The `convStem` option of the models that cut patches from an image (AiT, ViT): channels of a
 * convolutional tokenizer stem before the patch embedding (each stage: 3x3 convolution, ReLU, 2x2
 * max pool); `[]` (the default) embeds the raw image patches.
 */
export const convStemSchema = z.array(z.number().int().positive()).default([]);

/** The options {@link checkTokenGrid} reads. */
export interface TokenGridOptions {
  readonly imageSize: number;
  readonly patchSize: number;
  readonly convStem: readonly number[];
  readonly positionEmbedding: PositionEmbeddingKind;
  readonly dim: number;
}

/**
 * Patches per side of a model that cuts `patchSize` patches from the output of `convStem.length`
 * stem stages (2x2 pools) applied to `imageSize` images.
 */
export function tokenGridSide(c: Pick<TokenGridOptions, 'imageSize' | 'patchSize' | 'convStem'>): number {
  return convStemOutputSize(c.imageSize, c.convStem.length) / c.patchSize;
}

/**
 * A zod `superRefine` check of the options that shape the token grid: the stem must leave an image,
 * the patch size must divide what it leaves, and the fixed sine-cosine table needs `dim` divisible by 4.
 */
export function checkTokenGrid(c: TokenGridOptions, ctx: z.core.$RefinementCtx<unknown>): void {
  const side = convStemOutputSize(c.imageSize, c.convStem.length);
  if (side < 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['convStem'],
      message: `${c.convStem.length} stem stages halve the image size ${c.imageSize} to nothing; use fewer stages`,
    });
  } else if (side % c.patchSize !== 0) {
    const what = c.convStem.length > 0 ? `the stem's output side ${side} (image ${c.imageSize})` : `the image size ${c.imageSize}`;
    ctx.addIssue({
      code: 'custom',
      path: ['patchSize'],
      message: `the patch size ${c.patchSize} does not divide ${what}; choose a divisor of ${side}`,
    });
  }
  if (c.positionEmbedding === 'sincos' && c.dim % 4 !== 0) {
    ctx.addIssue({ code: 'custom', path: ['positionEmbedding'], message: `'sincos' needs dim divisible by 4, got ${c.dim}` });
  }
}

/** The stem child (`conv_stem`) of a model with `convStem` channels, or null without a stem. */
export function createConvStem(convStem: readonly number[], trainable: boolean): ConvStem | null {
  return convStem.length > 0 ? new ConvStem({ channels: [...convStem], name: 'conv_stem', trainable }) : null;
}

/**
 * The position embedding child (`pos_embed`) of a model with `tokens` tokens per example whose last
 * `grid * grid` are the patches: a learned table of `tokens` rows, the fixed 2-D sine-cosine table
 * of the patch grid (the question / CLS tokens before the patches are left unchanged), or null for 'none'.
 */
export function createPositionEmbedding(kind: PositionEmbeddingKind, tokens: number, grid: number, trainable: boolean): AitLayer | null {
  if (kind === 'learned') return new LearnedPositionEmbedding({ maxTokens: tokens, name: 'pos_embed', trainable });
  if (kind === 'sincos') {
    return new SinusoidalPositionEmbedding2d({
      gridHeight: grid,
      gridWidth: grid,
      prefixTokens: tokens - grid * grid,
      name: 'pos_embed',
      trainable,
    });
  }
  return null;
}

import * as tf from '@tensorflow/tfjs-core';
import { assertMinRank, assertRank, formatShape } from './assert-shape';

/**
 * Adds position embeddings to a token sequence: `x [..., tokens, dim] + table[0:tokens]`, where
 * `table [maxTokens, dim]` may hold more rows than needed (the first `tokens` rows are used).
 * Throws if the input has more tokens than the table or a different width.
 */
export function addPositionEmbedding(x: tf.Tensor, table: tf.Tensor): tf.Tensor {
  const where = 'addPositionEmbedding';
  assertMinRank(where, 'x', x, 2, '[..., tokens, dim]');
  assertRank(where, 'table', table, [2], '[maxTokens, dim]');
  const tokens = x.shape[x.rank - 2] as number;
  const dim = x.shape[x.rank - 1] as number;
  const [maxTokens, tableDim] = table.shape as [number, number];
  if (tableDim !== dim) {
    throw new Error(`${where}: x ${formatShape(x.shape)} has width ${dim} but the table ${formatShape(table.shape)} has ${tableDim}.`);
  }
  if (tokens > maxTokens) {
    throw new Error(
      `${where}: x ${formatShape(x.shape)} has ${tokens} tokens but the position table only has ${maxTokens}. ` +
        `Build the embedding with at least ${tokens} positions.`,
    );
  }
  return tf.tidy(() => tf.add(x, tokens === maxTokens ? table : tf.slice(table, [0, 0], [tokens, dim])));
}

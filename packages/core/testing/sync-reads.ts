// Makes synchronous tensor reads throw, so that a test fails when one comes back on a path that
// must run on GPU backends (on webgpu under Node such a read fails; on any GPU it stalls).
import * as tf from '@tensorflow/tfjs-core';

const SYNC_READS = ['dataSync', 'arraySync', 'bufferSync'] as const;

/**
 * Replaces `tf.Tensor.prototype.dataSync`, `arraySync` and `bufferSync` with functions that
 * throw `synchronous read <name>() of a tensor [shape] <during>`; returns the function that puts
 * them back.
 */
export function forbidSyncReads(during = 'on a path that must read with await data()'): () => void {
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  const saved = SYNC_READS.map((name) => [name, proto[name]] as const);
  for (const name of SYNC_READS) {
    proto[name] = function forbidden(this: tf.Tensor): never {
      throw new Error(`synchronous read ${name}() of a tensor ${JSON.stringify(this.shape)} ${during}`);
    };
  }
  return () => {
    for (const [name, fn] of saved) proto[name] = fn;
  };
}

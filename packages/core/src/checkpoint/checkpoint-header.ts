// The parts of the checkpoint layout (see CHECKPOINT_MAGIC) that the encoder and the decoder
// share and that are not public: byte counts, the JSON header's schema, the byte-order check.
import { z } from '../config/validate-config';
import { CheckpointError } from './checkpoint-error';

/** Bytes before the header: magic (8), version (4), header length (4), payload length (8). */
export const PREAMBLE_BYTES = 24;
/** Bytes of the SHA-256 at the end. */
export const DIGEST_BYTES = 32;
/** The header length is a uint32. */
export const MAX_HEADER_BYTES = 0xffffffff;

/** Tensor dtypes a checkpoint stores. */
export type StoredDtype = 'float32' | 'int32' | 'bool';

/** Bytes per element of each stored dtype. */
export const BYTES_PER_ELEMENT: Readonly<Record<StoredDtype, number>> = { float32: 4, int32: 4, bool: 1 };

const count = z.number().int().min(0);

/** A `SeededRandom` state as the header stores it. */
export const randomStateSchema = z.object({
  algorithm: z.literal('alea'),
  c: z.number(),
  s0: z.number(),
  s1: z.number(),
  s2: z.number(),
});

/** The JSON header: everything but the tensor bytes. */
export const headerSchema = z.object({
  format: z.literal('ait-checkpoint'),
  libraryVersion: z.string(),
  createdAt: z.string(),
  config: z.unknown(),
  position: z.object({ epoch: count, step: count, stepInEpoch: count }),
  rng: z.record(z.string(), randomStateSchema),
  optimizer: z
    .object({
      type: z.literal('adamw'),
      iterations: count,
      config: z.object({
        learningRate: z.number(),
        beta1: z.number(),
        beta2: z.number(),
        epsilon: z.number(),
        weightDecay: z.number(),
      }),
    })
    .nullable(),
  tensors: z.array(
    z.object({
      name: z.string().min(1),
      group: z.enum(['weights', 'optimizer']),
      slot: z.enum(['m', 'v']).optional(),
      shape: z.array(count),
      dtype: z.enum(['float32', 'int32', 'bool']),
      offset: count,
      length: count,
    }),
  ),
  metadata: z.record(z.string(), z.unknown()),
});

/** A parsed JSON header. */
export type CheckpointHeader = z.output<typeof headerSchema>;

/** Throws on a big-endian machine: checkpoints store tensor bytes little-endian, as they lie in memory. */
export function assertLittleEndian(where: string): void {
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) {
    throw new CheckpointError(
      'invalid-contents',
      undefined,
      `${where}: checkpoints store tensors little-endian and this machine is big-endian, which is not supported.`,
    );
  }
}

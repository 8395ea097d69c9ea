/** How binary memories update their neurons. */
export type BinaryUpdate = 'asynchronous' | 'synchronous';

/** The accepted values of {@link BinaryUpdate}. */
export const BINARY_UPDATES: readonly BinaryUpdate[] = ['asynchronous', 'synchronous'];

/** Throws unless `update` is a {@link BinaryUpdate}. */
export function assertBinaryUpdate(where: string, update: string): asserts update is BinaryUpdate {
  if (!(BINARY_UPDATES as readonly string[]).includes(update)) {
    throw new Error(`${where}: update must be 'asynchronous' or 'synchronous', got '${update}'.`);
  }
}

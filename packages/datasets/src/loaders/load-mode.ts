import { z } from '@ait/core';

/**
 * How a loader holds a data set: `memory` reads it all (random access, fastest), `disk` keeps
 * uncompressed files open and reads samples on demand (random access for sets larger than
 * memory), `stream` reads the files front to back on every pass (any file, including gzip).
 */
export type LoadMode = 'memory' | 'disk' | 'stream';

/** zod schema of a {@link LoadMode}. */
export const loadModeSchema = z.enum(['memory', 'disk', 'stream'], 'must be "memory", "disk" or "stream"');

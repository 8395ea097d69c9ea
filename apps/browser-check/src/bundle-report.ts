import { gzipSync } from 'node:zlib';

/** What one bundler made of one page entry. */
export interface BundleReport {
  readonly bundler: 'esbuild' | 'vite' | 'webpack';
  /** The bundler's errors for this entry (messages as the bundler words them). */
  readonly errors: string[];
  /** The bundler's warnings for this entry, none filtered out. */
  readonly warnings: string[];
  /** Output files of the entry by name (JavaScript and assets) with their sizes in bytes. */
  readonly files: { name: string; bytes: number }[];
  /** Bytes of the entry's JavaScript output, minified. */
  readonly jsBytes: number;
  /** Gzip size of the entry's JavaScript output (each file gzipped on its own, summed). */
  readonly gzipBytes: number;
}

/**
 * Total bytes and total gzip size (default level, each chunk compressed on its own) of some
 * JavaScript chunks.
 */
export function measureJs(chunks: readonly Uint8Array[]): { jsBytes: number; gzipBytes: number } {
  return {
    jsBytes: chunks.reduce((sum, c) => sum + c.byteLength, 0),
    gzipBytes: chunks.reduce((sum, c) => sum + gzipSync(c).byteLength, 0),
  };
}

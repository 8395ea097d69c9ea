// Part of @ait/core's WebAssembly SIMD kernels (entry: index.ts). Pointers are byte offsets on
// tfjs-backend-wasm's heap, which the module imports; nothing here allocates or keeps state.

// Strided copies (Slice, SplitV, Transpose)

/** Below this many bytes a run is copied with 16-byte loads and stores instead of `memory.copy`. */
// @ts-ignore: decorator
@inline const SHORT_RUN: usize = 256;

/**
 * Copies `rows` runs of `bytes` bytes from src (run stride sStride) to dst (run stride dStride).
 * Short runs whose length is a multiple of 16 bytes (attention's heads of 16 or 32 floats) go
 * through SIMD registers: `memory.copy` costs a call into the runtime per run.
 */
export function copyRows(src: usize, sStride: usize, dst: usize, dStride: usize, rows: i32, bytes: usize): void {
  if (bytes < SHORT_RUN && (bytes & 15) == 0) {
    for (let r = 0; r < rows; r++) {
      for (let o: usize = 0; o < bytes; o += 16) v128.store(dst + o, v128.load(src + o));
      src += sStride;
      dst += dStride;
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    memory.copy(dst, src, bytes);
    src += sStride;
    dst += dStride;
  }
}

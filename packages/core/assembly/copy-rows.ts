// Part of @ait/core's WebAssembly SIMD kernels (entry: index.ts). Pointers are byte offsets on
// tfjs-backend-wasm's heap, which the module imports; nothing here allocates or keeps state.

// Strided copies (Slice, SplitV)

/** Copies `rows` runs of `bytes` bytes from src (run stride sStride) to dst (run stride dStride). */
export function copyRows(src: usize, sStride: usize, dst: usize, dStride: usize, rows: i32, bytes: usize): void {
  for (let r = 0; r < rows; r++) {
    memory.copy(dst, src, bytes);
    src += sStride;
    dst += dStride;
  }
}

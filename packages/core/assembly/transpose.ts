// Part of @ait/core's WebAssembly SIMD kernels (entry: index.ts). Pointers are byte offsets on
// tfjs-backend-wasm's heap, which the module imports; nothing here allocates or keeps state.

// Batched matrix transpose: y[b, c, r] = x[b, r, c] (4-byte elements of any type)

/** Transposes the 4 x 4 block at `src` (row stride `ss` bytes) into `dst` (row stride `ds`). */
// @ts-ignore: decorator
@inline export function transpose4x4(src: usize, ss: usize, dst: usize, ds: usize): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + ss);
  const r2 = v128.load(src + 2 * ss);
  const r3 = v128.load(src + 3 * ss);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + ds, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * ds, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * ds, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

/**
 * y[b, c, r] = x[b, r, c] for b < batch, r < rows, c < cols, 4-byte elements. Tiles of 32 x 32
 * keep reads and writes in cache; inside a tile 4 x 4 blocks are transposed with shuffles and
 * the edges (rows or columns not a multiple of 4) element by element.
 */
export function transposeBatched(x: usize, y: usize, batch: i32, rows: i32, cols: i32): void {
  const rs = <usize>cols << 2; // input row stride
  const cs = <usize>rows << 2; // output row stride
  const matrix = <usize>rows * <usize>cols * 4;
  for (let b = 0; b < batch; b++) {
    const xb = x + <usize>b * matrix;
    const yb = y + <usize>b * matrix;
    for (let r0 = 0; r0 < rows; r0 += 32) {
      const r1 = min(rows, r0 + 32);
      const r14 = r0 + ((r1 - r0) & ~3);
      for (let c0 = 0; c0 < cols; c0 += 32) {
        const c1 = min(cols, c0 + 32);
        const c14 = c0 + ((c1 - c0) & ~3);
        for (let r = r0; r < r14; r += 4) {
          for (let c = c0; c < c14; c += 4) {
            transpose4x4(xb + <usize>r * rs + (<usize>c << 2), rs, yb + <usize>c * cs + (<usize>r << 2), cs);
          }
          for (let c = c14; c < c1; c++) {
            for (let k = r; k < r + 4; k++) {
              store<u32>(yb + <usize>c * cs + (<usize>k << 2), load<u32>(xb + <usize>k * rs + (<usize>c << 2)));
            }
          }
        }
        for (let r = r14; r < r1; r++) {
          for (let c = c0; c < c1; c++) {
            store<u32>(yb + <usize>c * cs + (<usize>r << 2), load<u32>(xb + <usize>r * rs + (<usize>c << 2)));
          }
        }
      }
    }
  }
}

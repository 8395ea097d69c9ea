// Part of @ait/core's WebAssembly SIMD kernels (entry: index.ts). Pointers are byte offsets on
// tfjs-backend-wasm's heap, which the module imports; nothing here allocates or keeps state.

// Sum over leading rows: out[c] = sum_r x[r, c] (bias gradients)

/**
 * out[c] = sum over r < rows of x[r * cols + c] ([cols], overwritten). Strips of 16 columns (one
 * cache line per row) are summed in registers, in blocks of 256 rows whose partial sums are then
 * added, so that rounding grows with log(rows) blocks rather than with rows.
 */
export function sumRows(x: usize, out: usize, rows: i32, cols: i32): void {
  const stride = <usize>cols << 2;
  let c = 0;
  for (; c + 16 <= cols; c += 16) {
    let t0 = f32x4.splat(0.0), t1 = f32x4.splat(0.0), t2 = f32x4.splat(0.0), t3 = f32x4.splat(0.0);
    for (let r0 = 0; r0 < rows; r0 += 256) {
      const r1 = min(rows, r0 + 256);
      let a0 = f32x4.splat(0.0), a1 = f32x4.splat(0.0), a2 = f32x4.splat(0.0), a3 = f32x4.splat(0.0);
      let p = x + <usize>r0 * stride + (<usize>c << 2);
      for (let r = r0; r < r1; r++, p += stride) {
        a0 = f32x4.add(a0, v128.load(p));
        a1 = f32x4.add(a1, v128.load(p, 16));
        a2 = f32x4.add(a2, v128.load(p, 32));
        a3 = f32x4.add(a3, v128.load(p, 48));
      }
      t0 = f32x4.add(t0, a0);
      t1 = f32x4.add(t1, a1);
      t2 = f32x4.add(t2, a2);
      t3 = f32x4.add(t3, a3);
    }
    const o = out + (<usize>c << 2);
    v128.store(o, t0);
    v128.store(o, t1, 16);
    v128.store(o, t2, 32);
    v128.store(o, t3, 48);
  }
  // strips of 4 columns (narrow rows such as a convolution's 8 channels): each lane adds its
  // column exactly as the scalar loop below would, so the bits are the same
  for (; c + 4 <= cols; c += 4) {
    let t = f32x4.splat(0.0);
    for (let r0 = 0; r0 < rows; r0 += 256) {
      const r1 = min(rows, r0 + 256);
      let a = f32x4.splat(0.0);
      let p = x + <usize>r0 * stride + (<usize>c << 2);
      for (let r = r0; r < r1; r++, p += stride) a = f32x4.add(a, v128.load(p));
      t = f32x4.add(t, a);
    }
    v128.store(out + (<usize>c << 2), t);
  }
  for (; c < cols; c++) {
    let t: f32 = 0.0;
    for (let r0 = 0; r0 < rows; r0 += 256) {
      const r1 = min(rows, r0 + 256);
      let a: f32 = 0.0;
      let p = x + <usize>r0 * stride + (<usize>c << 2);
      for (let r = r0; r < r1; r++, p += stride) a += load<f32>(p);
      t += a;
    }
    store<f32>(out + (<usize>c << 2), t);
  }
}

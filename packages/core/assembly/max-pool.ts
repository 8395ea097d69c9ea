// Part of @ait/core's WebAssembly SIMD kernels (entry: index.ts). Pointers are byte offsets on
// tfjs-backend-wasm's heap, which the module imports; nothing here allocates or keeps state.

// Max pooling for non-overlapping windows (filter size = stride, no padding), NHWC.

/**
 * y ([batch, outH, outW, c], overwritten) gets the maximum of each fh x fw window of x
 * ([batch, inH, inW, c]); a later element replaces the running maximum only when strictly
 * greater, starting from -inf, so NaN is skipped as by tfjs' cpu backend (and as the gradient
 * kernel of max-pool-grad.ts picks its element). Channels go 4 at a time.
 */
export function maxPoolNonOverlapping(
  x: usize, y: usize,
  batch: i32, inH: i32, inW: i32, c: i32, outH: i32, outW: i32, fh: i32, fw: i32,
): void {
  const colStride = <usize>c << 2;
  const rowStride = <usize>inW * colStride;
  const c4 = c & ~3;
  let out = y;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const xb = x + ((<usize>b * <usize>inH + <usize>(oh * fh)) * <usize>inW + <usize>(ow * fw)) * colStride;
        let ch = 0;
        for (; ch < c4; ch += 4) {
          const o = <usize>ch << 2;
          let mx = f32x4.splat(-Infinity);
          for (let i = 0; i < fh; i++) {
            for (let j = 0; j < fw; j++) {
              const v = v128.load(xb + <usize>i * rowStride + <usize>j * colStride + o);
              mx = v128.bitselect(v, mx, f32x4.gt(v, mx));
            }
          }
          v128.store(out + o, mx);
        }
        for (; ch < c; ch++) {
          const o = <usize>ch << 2;
          let mx: f32 = -Infinity;
          for (let i = 0; i < fh; i++) {
            for (let j = 0; j < fw; j++) {
              const v = load<f32>(xb + <usize>i * rowStride + <usize>j * colStride + o);
              if (v > mx) mx = v;
            }
          }
          store<f32>(out + o, mx);
        }
        out += colStride;
      }
    }
  }
}

// Part of @ait/core's WebAssembly SIMD kernels (entry: index.ts). Pointers are byte offsets on
// tfjs-backend-wasm's heap, which the module imports; nothing here allocates or keeps state.

// Max-pooling gradient for non-overlapping windows (filter size = stride, no padding), NHWC.

/**
 * dx ([batch, inH, inW, c], overwritten) gets each output's gradient dy ([batch, outH, outW, c])
 * at the first maximum of its fh x fw window of x in row-major order (a later element wins only
 * when strictly greater, so NaN never does and an all -inf window gives its first element),
 * like tfjs' cpu backend. Channels go 4 at a time; positions outside every window stay 0.
 */
export function maxPoolGradNonOverlapping(
  x: usize, dy: usize, dx: usize,
  batch: i32, inH: i32, inW: i32, c: i32, outH: i32, outW: i32, fh: i32, fw: i32,
): void {
  memory.fill(dx, 0, <usize>batch * <usize>inH * <usize>inW * <usize>c * 4);
  const colStride = <usize>c << 2;
  const rowStride = <usize>inW * colStride;
  const c4 = c & ~3;
  let g = dy;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const corner = ((<usize>b * <usize>inH + <usize>(oh * fh)) * <usize>inW + <usize>(ow * fw)) * colStride;
        const xb = x + corner;
        const db = dx + corner;
        let ch = 0;
        for (; ch < c4; ch += 4) {
          const o = <usize>ch << 2;
          let mx = f32x4.splat(-Infinity);
          let idx = i32x4.splat(0);
          let pos = 0;
          for (let i = 0; i < fh; i++) {
            for (let j = 0; j < fw; j++) {
              const v = v128.load(xb + <usize>i * rowStride + <usize>j * colStride + o);
              const gt = f32x4.gt(v, mx);
              mx = v128.bitselect(v, mx, gt);
              idx = v128.bitselect(i32x4.splat(pos), idx, gt);
              pos++;
            }
          }
          const gv = v128.load(g + o);
          pos = 0;
          for (let i = 0; i < fh; i++) {
            for (let j = 0; j < fw; j++) {
              const at = db + <usize>i * rowStride + <usize>j * colStride + o;
              v128.store(at, v128.and(gv, i32x4.eq(idx, i32x4.splat(pos))));
              pos++;
            }
          }
        }
        for (; ch < c; ch++) {
          const o = <usize>ch << 2;
          let mx: f32 = -Infinity;
          let best: usize = 0;
          for (let i = 0; i < fh; i++) {
            for (let j = 0; j < fw; j++) {
              const at = <usize>i * rowStride + <usize>j * colStride + o;
              const v = load<f32>(xb + at);
              if (v > mx) {
                mx = v;
                best = at;
              }
            }
          }
          store<f32>(db + best, load<f32>(g + o));
        }
        g += colStride;
      }
    }
  }
}

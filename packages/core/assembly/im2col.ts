// Part of @ait/core's WebAssembly SIMD kernels (entry: index.ts). Pointers are byte offsets on
// tfjs-backend-wasm's heap, which the module imports; nothing here allocates or keeps state.

// im2col for NHWC convolutions: the input patch of every output pixel as one row, so that a
// convolution is a GEMM of these rows with the filter [fh * fw * inC, outC] (and its filter
// gradient a GEMM of the rows, transposed, with dy).

/** Copies `bytes` bytes (a multiple of 4) from src to dst: short runs inline (memory.copy is a call). */
// @ts-ignore: decorator
@inline function copyFloats(dst: usize, src: usize, bytes: usize): void {
  if (bytes > 128) {
    memory.copy(dst, src, bytes);
    return;
  }
  let o: usize = 0;
  for (; o + 16 <= bytes; o += 16) v128.store(dst + o, v128.load(src + o));
  for (; o < bytes; o += 4) store<u32>(dst + o, load<u32>(src + o));
}

/** Zeroes `bytes` bytes (a multiple of 4) at dst: short runs inline. */
// @ts-ignore: decorator
@inline function zeroFloats(dst: usize, bytes: usize): void {
  if (bytes > 128) {
    memory.fill(dst, 0, bytes);
    return;
  }
  let o: usize = 0;
  for (; o + 16 <= bytes; o += 16) v128.store(dst + o, i32x4.splat(0));
  for (; o < bytes; o += 4) store<u32>(dst + o, 0);
}

/**
 * Rows r0..r1-1 of the patch matrix [batch * outH * outW, fh * fw * inC] of the NHWC input
 * `x` [batch, inH, inW, inC] to `dst` (row r0 first; rows `fh * fw * inC` floats apart): row
 * `(b, oh, ow)` holds, tap by tap (kh, kw), the inC channels of input pixel
 * `(oh sh - padTop + kh dh, ow sw - padLeft + kw dw)`, or zeros where that lies in the padding.
 * Works through one image row of output pixels and one filter row at a time, so that the
 * pixels whose taps all lie inside the image copy one run of `fw * inC` floats each.
 */
function im2colRows(
  x: usize, inH: i32, inW: i32, inC: i32,
  fh: i32, fw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32,
  outH: i32, outW: i32, dst: usize, r0: i32, r1: i32,
): void {
  const pixel = <usize>inC << 2;
  const tapRow = <usize>fw * pixel;
  const patchBytes = <usize>fh * tapRow;
  // output columns whose taps all lie inside the image: [owLo, owHi)
  let owLo = 0;
  while (owLo < outW && owLo * sw - padLeft < 0) owLo++;
  let owHi = outW;
  while (owHi > owLo && (owHi - 1) * sw - padLeft + (fw - 1) * dw >= inW) owHi--;
  const runs = dw == 1;
  let r = r0;
  while (r < r1) {
    // the output row (b, oh) of pixel r, and its columns ow0..ow1-1 within r0..r1-1
    const ow0 = r % outW;
    const oh = (r / outW) % outH;
    const b = r / outW / outH;
    const ow1 = min(outW, ow0 + (r1 - r));
    const rowDst = dst + <usize>(r - r0) * patchBytes;
    for (let kh = 0; kh < fh; kh++) {
      const ih = oh * sh - padTop + kh * dh;
      let d = rowDst + <usize>kh * tapRow;
      if (ih < 0 || ih >= inH) {
        for (let ow = ow0; ow < ow1; ow++, d += patchBytes) zeroFloats(d, tapRow);
        continue;
      }
      const row = x + <usize>(b * inH + ih) * <usize>inW * pixel;
      for (let ow = ow0; ow < ow1; ow++, d += patchBytes) {
        const iw0 = ow * sw - padLeft;
        if (runs && ow >= owLo && ow < owHi) {
          copyFloats(d, row + <usize>iw0 * pixel, tapRow);
          continue;
        }
        for (let kw = 0; kw < fw; kw++) {
          const iw = iw0 + kw * dw;
          if (iw < 0 || iw >= inW) zeroFloats(d + <usize>kw * pixel, pixel);
          else copyFloats(d + <usize>kw * pixel, row + <usize>iw * pixel, pixel);
        }
      }
    }
    r += ow1 - ow0;
  }
}

/**
 * The same patch values as {@link im2colRows}, transposed: `dst` [fh * fw * inC, r1 - r0], one
 * row per filter tap and input channel. For few input channels (a stem's 1-3) each of these rows
 * takes runs of an image row (contiguous for one channel and stride 1), where the patch rows
 * would be copies of a few floats each.
 */
function im2colColumns(
  x: usize, inH: i32, inW: i32, inC: i32,
  fh: i32, fw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32,
  outH: i32, outW: i32, dst: usize, r0: i32, r1: i32,
): void {
  const pixel = <usize>inC << 2;
  const ld = <usize>(r1 - r0) << 2;
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      // output columns whose tap kw lies inside the image: [lo, hi)
      const off = kw * dw - padLeft;
      let lo = 0;
      while (lo < outW && lo * sw + off < 0) lo++;
      let hi = outW;
      while (hi > lo && (hi - 1) * sw + off >= inW) hi--;
      for (let ci = 0; ci < inC; ci++) {
        let d = dst + <usize>((kh * fw + kw) * inC + ci) * ld;
        let r = r0;
        while (r < r1) {
          const ow0 = r % outW;
          const oh = (r / outW) % outH;
          const b = r / outW / outH;
          const ow1 = min(outW, ow0 + (r1 - r));
          const ih = oh * sh - padTop + kh * dh;
          if (ih < 0 || ih >= inH) {
            zeroFloats(d, <usize>(ow1 - ow0) << 2);
          } else {
            const row = x + <usize>(b * inH + ih) * <usize>inW * pixel + (<usize>ci << 2);
            const a = max(ow0, lo);
            const e = max(a, min(ow1, hi));
            if (a > ow0) zeroFloats(d, <usize>(a - ow0) << 2);
            let q = d + (<usize>(a - ow0) << 2);
            if (inC == 1 && sw == 1) {
              copyFloats(q, row + (<usize>(a + off) << 2), <usize>(e - a) << 2);
            } else {
              const step = <usize>sw * pixel;
              let src = row + <usize>(a * sw + off) * pixel;
              for (let ow = a; ow < e; ow++, q += 4, src += step) store<f32>(q, load<f32>(src));
            }
            if (e < ow1) zeroFloats(d + (<usize>(e - ow0) << 2), <usize>(ow1 - e) << 2);
          }
          d += <usize>(ow1 - ow0) << 2;
          r += ow1 - ow0;
        }
      }
    }
  }
}

/**
 * Writes the patches of output pixels r0..r1-1 of an NHWC convolution of `x` [batch, inH, inW,
 * inC] (filter fh x fw, strides sh, sw, dilations dh, dw, padding padTop, padLeft; output
 * outH x outW) to `dst`: as rows [r1 - r0, fh * fw * inC] (`transposed` 0; row (b, oh, ow) holds,
 * tap by tap (kh, kw), the inC channels of input pixel (oh sh - padTop + kh dh,
 * ow sw - padLeft + kw dw), zeros in the padding) or as their transpose [fh * fw * inC, r1 - r0]
 * (`transposed` 1).
 */
export function im2col(
  x: usize, inH: i32, inW: i32, inC: i32,
  fh: i32, fw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32,
  outH: i32, outW: i32, dst: usize, r0: i32, r1: i32, transposed: i32,
): void {
  if (transposed != 0) im2colColumns(x, inH, inW, inC, fh, fw, sh, sw, dh, dw, padTop, padLeft, outH, outW, dst, r0, r1);
  else im2colRows(x, inH, inW, inC, fh, fw, sh, sw, dh, dw, padTop, padLeft, outH, outW, dst, r0, r1);
}

/**
 * Orientation measurements of grey `[size, size]` images, independent of the generators: angles
 * are in degrees in `[0, 180)`, counter-clockwise from the horizontal as the image is viewed
 * (rows grow downwards).
 */

/** Difference of two orientations modulo 180 degrees, in `[0, 90]`. */
export function orientationGap(a: number, b: number): number {
  const d = (((a - b) % 180) + 180) % 180;
  return Math.min(d, 180 - d);
}

function toViewAngle(phiRad: number): number {
  // phi is measured from +x towards +row (downwards); the view angle turns the other way.
  return ((((-phiRad * 180) / Math.PI) % 180) + 180) % 180;
}

/**
 * The principal axis of the pixel intensities: the direction of largest spread of the
 * intensity-weighted second central moments, `0.5 * atan2(2 mu11, mu20 - mu02)`. Pixels at or
 * below `threshold` are ignored. Also returns the elongation (ratio of the two eigenvalues).
 */
export function principalAxis(image: ArrayLike<number>, size: number, threshold = 0): { angle: number; elongation: number } {
  let m = 0;
  let sx = 0;
  let sy = 0;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const v = image[r * size + c] as number;
      if (v <= threshold) continue;
      m += v;
      sx += v * (c + 0.5);
      sy += v * (r + 0.5);
    }
  }
  const mx = sx / m;
  const my = sy / m;
  let mu20 = 0;
  let mu02 = 0;
  let mu11 = 0;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const v = image[r * size + c] as number;
      if (v <= threshold) continue;
      const dx = c + 0.5 - mx;
      const dy = r + 0.5 - my;
      mu20 += v * dx * dx;
      mu02 += v * dy * dy;
      mu11 += v * dx * dy;
    }
  }
  const half = (mu20 + mu02) / 2;
  const root = Math.sqrt(((mu20 - mu02) / 2) ** 2 + mu11 * mu11);
  return { angle: toViewAngle(0.5 * Math.atan2(2 * mu11, mu20 - mu02)), elongation: (half + root) / Math.max(half - root, 1e-9) };
}

/**
 * The dominant edge orientation from the gradient structure tensor (central differences):
 * gradients point across edges, so the edges run perpendicular to the tensor's main axis. Works
 * for several parallel bars wherever they lie.
 */
export function edgeOrientation(image: ArrayLike<number>, size: number): number {
  let jxx = 0;
  let jyy = 0;
  let jxy = 0;
  const at = (r: number, c: number): number => image[r * size + c] as number;
  for (let r = 1; r < size - 1; r++) {
    for (let c = 1; c < size - 1; c++) {
      const gx = (at(r, c + 1) - at(r, c - 1)) / 2;
      const gy = (at(r + 1, c) - at(r - 1, c)) / 2;
      jxx += gx * gx;
      jyy += gy * gy;
      jxy += gx * gy;
    }
  }
  const gradient = toViewAngle(0.5 * Math.atan2(2 * jxy, jxx - jyy));
  return (gradient + 90) % 180;
}

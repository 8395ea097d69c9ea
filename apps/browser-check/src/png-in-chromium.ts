import type { Browser } from 'playwright-core';

/**
 * Encodes images as PNG files with Chromium's own encoder (a canvas's `toDataURL('image/png')`),
 * so that no PNG library is needed in Node. `images` are bytes `[height, width, channels]` (1
 * channel: grey, written as R = G = B; 3: RGB; integers 0-255, in any array); every pixel is opaque, so the PNG holds exactly these
 * bytes (a canvas changes only pixels that are not opaque, by premultiplying them).
 */
export async function pngsInChromium(
  browser: Browser,
  images: readonly ArrayLike<number>[],
  shape: readonly [number, number, number],
): Promise<Buffer[]> {
  const [height, width, channels] = shape;
  if (channels !== 1 && channels !== 3) throw new Error(`pngsInChromium: images must have 1 or 3 channels, not ${channels}`);
  const rgba = images.map((image) => {
    if (image.length !== height * width * channels) {
      throw new Error(`pngsInChromium: an image has ${image.length} bytes, not ${height * width * channels} ([${shape.join(', ')}])`);
    }
    const out = new Uint8Array(height * width * 4);
    for (let p = 0; p < height * width; p++) {
      for (let k = 0; k < 3; k++) {
        const value = image[channels * p + (channels === 1 ? 0 : k)] as number;
        if (!Number.isInteger(value) || value < 0 || value > 255)
          throw new Error(`pngsInChromium: pixel value ${value} is not a byte (0-255)`);
        out[4 * p + k] = value;
      }
      out[4 * p + 3] = 255;
    }
    return Buffer.from(out).toString('base64');
  });
  const page = await browser.newPage();
  try {
    const urls = await page.evaluate(
      ({ rgba, width, height }) =>
        rgba.map((base64) => {
          const canvas = document.createElement('canvas');
          canvas.width = width;
          canvas.height = height;
          const context = canvas.getContext('2d');
          if (context === null) throw new Error('no 2d canvas context');
          const bytes = Uint8ClampedArray.from(atob(base64), (c) => c.charCodeAt(0));
          context.putImageData(new ImageData(bytes, width, height), 0, 0);
          return canvas.toDataURL('image/png');
        }),
      { rgba, width, height },
    );
    return urls.map((url) => Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
  } finally {
    await page.close();
  }
}

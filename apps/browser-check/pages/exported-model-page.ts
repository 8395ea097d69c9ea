// The harness around section 4b of the guide "Use a trained model in your app"
// (apps/docs/docs/guide/use-a-trained-model.md): test/exported-model-in-browser.test.ts bundles the
// guide's own `main.js` block with a two-line entry that hands the block's `classify` to
// `reportGuideClassifications`. The page is opened as `index.html?image=/images/a.png&image=...`;
// each image is loaded into an <img> element and given to `classify`, then drawn into a <canvas> and
// given again; the answers (or the error) go to `window.__aitResult`.
import * as tf from '@tensorflow/tfjs-core';

declare global {
  interface Window {
    __aitResult?: unknown;
  }
}

/** One class and its probability, as the guide's `classify` returns them (in the model's output order). */
export interface GuideClassProbability {
  readonly label: string;
  readonly probability: number;
}

/** The guide's `classify(element)`: class probabilities for an `<img>` or `<canvas>` element. */
export type GuideClassify = (element: HTMLImageElement | HTMLCanvasElement) => Promise<GuideClassProbability[]>;

/** What the page reports: the tfjs backend that ran and, per image URL, `classify`'s answers. */
export interface GuideClassifications {
  readonly backend: string;
  readonly images: {
    readonly image: string;
    /** `classify` of the `<img>` element. */
    readonly probabilities: GuideClassProbability[];
    /** `classify` of a `<canvas>` the image was drawn into. */
    readonly canvasProbabilities: GuideClassProbability[];
  }[];
}

/** Loads `src` into an `<img>` element and waits until it is decoded (an error names the URL). */
async function loadImage(src: string): Promise<HTMLImageElement> {
  const element = new Image();
  element.src = src;
  try {
    await element.decode();
  } catch (err) {
    throw new Error(`the image ${src} could not be loaded or decoded: ${err instanceof Error ? err.message : String(err)}`);
  }
  return element;
}

/** A `<canvas>` of the image's size with the image drawn into it. */
function drawnIntoCanvas(image: HTMLImageElement): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const context = canvas.getContext('2d');
  if (context === null) throw new Error('the browser gave no 2d context for a <canvas>');
  context.drawImage(image, 0, 0);
  return canvas;
}

/**
 * Runs the guide's `classify` on every `?image=` URL of the page, one image at a time (as an `<img>`
 * and as a `<canvas>`), and puts a {@link GuideClassifications} (or `{ error }`) into
 * `window.__aitResult`.
 */
export async function reportGuideClassifications(classify: GuideClassify): Promise<void> {
  try {
    const sources = new URLSearchParams(location.search).getAll('image');
    if (sources.length === 0) throw new Error('no image to classify: open the page with ?image=<url> (one or more)');
    const images: GuideClassifications['images'] = [];
    for (const image of sources) {
      const element = await loadImage(image);
      images.push({ image, probabilities: await classify(element), canvasProbabilities: await classify(drawnIntoCanvas(element)) });
    }
    const result: GuideClassifications = { backend: tf.getBackend(), images };
    window.__aitResult = result;
  } catch (err) {
    window.__aitResult = { error: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) };
  }
}

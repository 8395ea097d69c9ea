// Copies tfjs-wasm's three .wasm binaries into dist/wasm/, next to the browser bundle
// (dist/browser.js), which locates them with `new URL('./wasm/<file>', import.meta.url)`.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const source = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
const target = join(here, '..', 'dist', 'wasm');
mkdirSync(target, { recursive: true });
for (const name of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  copyFileSync(join(source, name), join(target, name));
}

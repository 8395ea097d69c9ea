import type { Browser } from 'playwright-core';
import { launchChromium } from './chromium';

/**
 * What gives headless Debian Chromium (156, no GPU) a WebGPU adapter: `--enable-unsafe-webgpu`
 * alone, which exposes Chromium's SwiftShader Vulkan (a CPU rasteriser shipped with Chromium) as a
 * fallback adapter; without it `requestAdapter()` resolves to `null` ("No available adapters.").
 * `--enable-webgpu-developer-features` only unmasks the adapter's info (`description`
 * "SwiftShader Device (Subzero)", `device` 0xc0de), which is otherwise blank but for vendor
 * `google` and architecture `swiftshader`. `--enable-features=Vulkan`, `--use-vulkan=native|swiftshader`,
 * `--use-angle=vulkan`, `--use-webgpu-adapter=swiftshader|default`, `--ignore-gpu-blocklist`,
 * `--disable-vulkan-surface`, `--headless=new` and Mesa's lavapipe through `VK_ICD_FILENAMES`
 * change nothing (lavapipe is never offered; the adapter stays SwiftShader, or none).
 */
export const WEBGPU_CHROMIUM_FLAGS: readonly string[] = ['--enable-unsafe-webgpu', '--enable-webgpu-developer-features'];

/**
 * A host name that resolves to 127.0.0.1 in a Chromium started by {@link launchChromiumWithWebGpu}:
 * `http://` pages there are not a secure context (unlike `http://127.0.0.1`), so they have no
 * `navigator.gpu`.
 */
export const INSECURE_HOST = 'ait-check.test';

/**
 * Starts headless Chromium at `executablePath` with {@link WEBGPU_CHROMIUM_FLAGS}, and with
 * {@link INSECURE_HOST} mapped to 127.0.0.1.
 */
export function launchChromiumWithWebGpu(executablePath: string): Promise<Browser> {
  return launchChromium(executablePath, [...WEBGPU_CHROMIUM_FLAGS, `--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`]);
}

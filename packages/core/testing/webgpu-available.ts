// Whether this machine has a WebGPU adapter for the webgpu tests (Dawn through the optional
// `webgpu` package under Node); they skip, saying why, where it has none.
import { runtimePlatform } from '../src/index';

/**
 * `null` when a WebGPU adapter (hardware or software) is there, else why not; then, when
 * `skipping` names the tests that need one, also logs why they skip ({@link reportSkip}).
 */
export async function webgpuMissing(skipping?: string): Promise<string | null> {
  const missing = await adapterMissing();
  if (missing !== null && skipping !== undefined) reportSkip(skipping, missing);
  return missing;
}

async function adapterMissing(): Promise<string | null> {
  const load = runtimePlatform().loadWebGpu;
  if (!load) return 'the runtime platform cannot look for WebGPU';
  const found = await load();
  if (!found.loaded) return found.reason;
  const adapter = await found.gpu.requestAdapter({ powerPreference: 'high-performance' });
  return adapter === null ? `${found.source} found no adapter (no Vulkan driver, or Mesa older than 23)` : null;
}

/** Logs why the webgpu tests of `suite` skip (vitest prints no reason for a skip). */
export function reportSkip(suite: string, reason: string): void {
  console.warn(`[webgpu] skipping ${suite}: ${reason}. Run .ci/install-vulkan.sh (Mesa's lavapipe) to run them.`);
}

import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Flags for Debian's Chromium in a container without network or GPU (as the docs test uses). */
const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Path of the system Chromium (`AIT_CHROMIUM`, or Debian's `chromium` package), or `null` when it is
 * not installed. No browser is ever downloaded.
 */
export function findChromium(): string | null {
  const candidates = [process.env.AIT_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(p)) ?? null;
}

/**
 * The Chromium to test with, or `null` with a warning when there is none; under CI a missing
 * browser throws, since CI installs it (a browser check must never be skipped silently there).
 */
export function chromiumOrSkip(what: string): string | null {
  const path = findChromium();
  if (path) return path;
  const message = `Chromium is not installed (looked for $AIT_CHROMIUM, /usr/bin/chromium): install it with \`apt-get install -y chromium\`.`;
  if (process.env.CI) throw new Error(`${message} CI must run ${what}.`);
  console.warn(`${message} Skipping ${what}.`);
  return null;
}

/**
 * Starts headless Chromium at `executablePath` with the container flags above and `extraFlags`
 * (e.g. `WEBGPU_CHROMIUM_FLAGS` of `./chromium-webgpu.ts`).
 */
export function launchChromium(executablePath: string, extraFlags: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath, args: [...CHROMIUM_FLAGS, ...extraFlags], headless: true });
}

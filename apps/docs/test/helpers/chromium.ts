import { existsSync } from 'node:fs';

/** Flags for Debian's Chromium in a container without network or GPU. */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Path of the system Chromium (Debian's `chromium` package, or `AIT_CHROMIUM`), or `null` when it is
 * not installed. No browser is ever downloaded.
 */
export function findChromium(): string | null {
  const candidates = [process.env.AIT_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(p)) ?? null;
}

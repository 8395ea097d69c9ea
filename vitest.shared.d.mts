import type { UserConfig } from 'vitest/config';

/** Shared vitest settings for every package (see vitest.shared.mjs). */
export declare function packageTestConfig(name: string): UserConfig;

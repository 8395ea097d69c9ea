// @ts-check
import { defineConfig } from 'vitest/config';

/**
 * Shared vitest settings for every package. When `AIT_TEST_REPORT` is set (CI does), a JSON
 * report is written to `reports/vitest.json` in the package so `.ci/run` can sum the counts.
 * @param {string} name the package name shown in test output
 */
export function packageTestConfig(name) {
  /** @type {any[]} */
  const reporters = ['default'];
  if (process.env.AIT_TEST_REPORT) reporters.push(['json', { outputFile: 'reports/vitest.json' }]);
  return defineConfig({
    resolve: { conditions: ['@ait/source'] },
    ssr: { resolve: { conditions: ['@ait/source'] } },
    test: {
      name,
      include: ['test/**/*.test.ts'],
      environment: 'node',
      testTimeout: 120_000,
      hookTimeout: 120_000,
      pool: 'forks',
      reporters,
    },
  });
}

#!/usr/bin/env node
// Sums the vitest JSON reports that `AIT_TEST_REPORT=1 pnpm test` leaves in each workspace package
// (packages/*/reports/vitest.json, apps/*/reports/vitest.json) and prints CI's closing line
// `N passed, N failed, N skipped`. Exits 1 when a test failed or a package that has tests wrote no report.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
/** One line per failed test: where it is, its name and the first line of its error. */
const failures = [];

/** The first non-empty line of a vitest failure message, without colour codes, at most 300 characters. */
function firstLine(message) {
  const line = String(message ?? '')
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  return (line ?? '(no message)').slice(0, 300);
}

for (const group of ['packages', 'apps', 'examples']) {
  const groupDir = join(root, group);
  if (!existsSync(groupDir)) continue;
  const dirs = group === 'examples' ? [groupDir] : readdirSync(groupDir).map((d) => join(groupDir, d));
  for (const dir of dirs) {
    const hasTests = existsSync(join(dir, 'test'));
    const report = join(dir, 'reports', 'vitest.json');
    if (!existsSync(report)) {
      if (hasTests) problems.push(`${dir}: has tests but wrote no report (did its test task run?)`);
      continue;
    }
    let data;
    try {
      data = JSON.parse(readFileSync(report, 'utf8'));
    } catch (err) {
      problems.push(`${report}: unreadable report (${err.message})`);
      continue;
    }
    for (const file of data.testResults ?? []) {
      const where = String(file.name ?? '').replace(root, '');
      for (const test of file.assertionResults ?? []) {
        if (test.status === 'failed') failures.push(`${where} > ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
      }
      if (file.status === 'failed' && (file.assertionResults ?? []).every((t) => t.status !== 'failed'))
        failures.push(`${where}: ${firstLine(file.message)}`);
    }
    passed += data.numPassedTests ?? 0;
    failed += data.numFailedTests ?? 0;
    skipped += (data.numPendingTests ?? 0) + (data.numTodoTests ?? 0);
    if ((data.numFailedTestSuites ?? 0) > 0 && (data.numFailedTests ?? 0) === 0) {
      problems.push(`${dir}: ${data.numFailedTestSuites} test file(s) failed to run`);
      failed += data.numFailedTestSuites;
    }
  }
}

for (const f of failures) console.log(`FAILED ${f}`);
for (const p of problems) console.error(`test report: ${p}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || problems.length > 0 ? 1 : 0);

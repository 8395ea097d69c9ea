// Runs every ```ts runnable block of the README as a module, so the documented examples stay true.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts runnable\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const dir = join(here, '.readme');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README examples', () => {
  it('has runnable examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs`, async () => {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `example-${i + 1}.ts`);
      writeFileSync(file, code.replaceAll("from '@ait/hopfield'", "from '../../src/index'"));
      const logs: unknown[][] = [];
      const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logs.push(args));
      try {
        await import(file);
      } finally {
        spy.mockRestore();
      }
      expect(logs.length).toBeGreaterThan(0);
      if (i === 0) expect(Number(logs[0]![1])).toBeGreaterThan(0.9); // final accuracy of the pooling classifier
      if (i === 1) expect(logs.find((l) => l[0] === 'exactly recalled')![1]).toBe(1);
      if (i === 2) expect(logs.find((l) => l[0] === 'recalled')![1]).toBe(1);
    });
  });
});

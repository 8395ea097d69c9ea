import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { guideCodeBlock } from '../src/guide-code-block';

const dir = mkdtempSync(join(tmpdir(), 'ait-guide-block-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` as a markdown page and returns its path. */
function page(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const GUIDE = [
  '# Guide',
  '## 4a. Node',
  '```js [main.js]',
  "console.log('4a');",
  '```',
  '```sh',
  '# a shell comment, not a heading',
  '```',
  '## 4b. Browser',
  'Text.',
  '```js [other.js]',
  "console.log('other');",
  '```',
  '```js [main.js]',
  "import x from 'x';",
  '',
  '# not a heading inside the block',
  'export const y = x;',
  '```',
  '### 4b.1 A sub-section',
  '## 5. Next',
  '```js [later.js]',
  "console.log('5');",
  '```',
  '',
].join('\n');

describe('guideCodeBlock', () => {
  it("returns the titled block of the section, not another section's block of the same title", () => {
    const file = page('guide.md', GUIDE);
    expect(guideCodeBlock(file, '## 4b.', 'main.js')).toBe("import x from 'x';\n\n# not a heading inside the block\nexport const y = x;");
    expect(guideCodeBlock(file, '## 4a.', 'main.js')).toBe("console.log('4a');");
  });

  it('ends the section at the next heading of its level, not at a `#` line of a code block', () => {
    const file = page('guide.md', GUIDE);
    // 4a's shell block has a `# ...` line: 4a still ends at "## 4b.", so 4b's blocks are not 4a's
    expect(() => guideCodeBlock(file, '## 4a.', 'other.js')).toThrow(
      /Section "## 4a\." of .*guide\.md has 0 code blocks titled \[other\.js\]/,
    );
    expect(() => guideCodeBlock(file, '## 4b.', 'later.js')).toThrow(/has 0 code blocks titled \[later\.js\]/);
  });

  it('names a missing section, a repeated block and a heading without #', () => {
    const file = page('guide.md', GUIDE);
    expect(() => guideCodeBlock(file, '## 6.', 'main.js')).toThrow(/guide\.md has no section "## 6\."/);
    const twice = page('twice.md', '## 4b. x\n```js [main.js]\na\n```\n```ts [main.js]\nb\n```\n');
    expect(() => guideCodeBlock(twice, '## 4b.', 'main.js')).toThrow(/has 2 code blocks titled \[main\.js\]; expected exactly one/);
    expect(() => guideCodeBlock(file, '4b.', 'main.js')).toThrow(/must start with #/);
  });
});

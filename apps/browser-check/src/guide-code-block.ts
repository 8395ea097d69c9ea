import { readFileSync } from 'node:fs';

/**
 * The fenced code block titled `title` (```` ```js [main.js] ````, any language) of the markdown
 * section whose heading starts with `heading` (e.g. `## 4b.`) in the page `markdownFile`, without its
 * fences. The section runs to the next heading of the same or a higher level. Throws, naming the page,
 * when the section or the block is missing or the block appears more than once in the section.
 */
export function guideCodeBlock(markdownFile: string, heading: string, title: string): string {
  const lines = readFileSync(markdownFile, 'utf8').split('\n');
  const level = /^#+/.exec(heading)?.[0].length;
  if (level === undefined) throw new Error(`guideCodeBlock: heading "${heading}" must start with #, e.g. "## 4b."`);
  const start = lines.findIndex((line) => line.startsWith(heading));
  if (start < 0) throw new Error(`The page ${markdownFile} has no section "${heading}".`);
  // the section ends at the next heading of its level or higher, outside code blocks (a `# comment`
  // line of a shell block is no heading)
  let inFence = false;
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith('```')) inFence = !inFence;
    else if (!inFence && /^#+ /.test(line) && (/^#+/.exec(line)?.[0].length ?? 0) <= level) {
      end = i;
      break;
    }
  }
  const section = lines.slice(start + 1, end).join('\n');
  const fence = new RegExp('^```\\w* \\[' + title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '\\]\\n([\\s\\S]*?)\\n```$', 'gm');
  const blocks = [...section.matchAll(fence)].map((m) => m[1] ?? '');
  if (blocks.length !== 1) {
    throw new Error(`Section "${heading}" of ${markdownFile} has ${blocks.length} code blocks titled [${title}]; expected exactly one.`);
  }
  return blocks[0] as string;
}

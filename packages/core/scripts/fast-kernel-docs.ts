// The list of fast kernels in CONTRIBUTING.md ("Adding a fast kernel"), rendered from FAST_KERNELS,
// the table registerFastKernels installs from. Nothing in that list is typed by hand:
// `pnpm exec tsx scripts/fast-kernel-docs.ts` (in packages/core) rewrites it between its markers,
// `--check` only says whether it is current, and test/kernels/fast-kernel-table.test.ts fails when
// the list and the table disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FAST_KERNELS, type FastKernelInfo } from '../src/kernels/fast-kernel-table';

/** The file that holds the generated list. */
export const CONTRIBUTING = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'CONTRIBUTING.md');
export const START = '<!-- fast-kernels:start (generated from FAST_KERNELS by packages/core/scripts/fast-kernel-docs.ts; do not edit) -->';
export const END = '<!-- fast-kernels:end -->';

/** The backends column: `all` for gradients, `(SIMD)` where the kernel needs AiT.js's SIMD module. */
function backendsCell(k: FastKernelInfo): string {
  return k.backends.join(', ') + (k.simdOnly ? ' (SIMD)' : '');
}

/**
 * The Markdown table of `kernels`, one row per entry; neighbours that differ only in their kernel
 * name (the boolean kernels' zero gradients, `Exp` and `Erf`) share a row.
 */
export function renderFastKernelTable(kernels: readonly FastKernelInfo[] = FAST_KERNELS): string {
  const rows: { names: string[]; rest: string[] }[] = [];
  for (const k of kernels) {
    const rest = [backendsCell(k), k.mode, k.description];
    const last = rows[rows.length - 1];
    if (last && last.rest.every((cell, i) => cell === rest[i])) last.names.push(k.kernelName);
    else rows.push({ names: [k.kernelName], rest });
  }
  const lines = rows.map(({ names, rest }) => `| ${names.map((n) => `\`${n}\``).join(', ')} | ${rest.join(' | ')} |`);
  return ['| kernel | backends | mode | what it does |', '|---|---|---|---|', ...lines].join('\n');
}

/** The generated block of `text` (between the markers, trimmed), or null where it has none. */
export function generatedBlock(text: string): string | null {
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return null;
  return text.slice(a + START.length, b).trim();
}

/** `text` with its generated block replaced by `table`. */
export function withTable(text: string, table: string): string {
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`fast-kernel-docs: ${CONTRIBUTING} has no ${START} ... ${END} block; put the two markers back.`);
  return `${text.slice(0, a + START.length)}\n${table}\n${text.slice(b)}`;
}

function main(args: readonly string[]): void {
  const text = readFileSync(CONTRIBUTING, 'utf8');
  const table = renderFastKernelTable();
  if (args.includes('--check')) {
    if (generatedBlock(text) === table) return;
    process.stderr.write(
      'CONTRIBUTING.md: the fast-kernel list is out of date; run `pnpm exec tsx scripts/fast-kernel-docs.ts` in packages/core.\n',
    );
    process.exitCode = 1;
    return;
  }
  writeFileSync(CONTRIBUTING, withTable(text, table));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));

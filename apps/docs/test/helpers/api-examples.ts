import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { listFiles } from './site-paths';

/** One `@example` code block of an API page. */
export interface ApiExample {
  /** The page, relative to the API folder, e.g. `@ait/core/functions/initBackend.md`. */
  readonly page: string;
  /** Index of the block on its page. */
  readonly index: number;
  /** The TypeScript code. */
  readonly code: string;
}

/** The ```ts blocks of the `Example` sections (TSDoc `@example`) of every markdown page under `apiDir`. */
export function apiExamples(apiDir: string): ApiExample[] {
  const out: ApiExample[] = [];
  for (const page of listFiles(apiDir)
    .filter((f) => f.endsWith('.md'))
    .sort()) {
    let index = 0;
    // an Example heading, then everything up to the next heading
    const sections = readFileSync(join(apiDir, page), 'utf8').split(/^(?=#{1,6} )/m);
    for (const section of sections.filter((s) => /^#{1,6} Examples?\s*$/m.test(s.split('\n')[0] ?? ''))) {
      for (const m of section.matchAll(/```(?:ts|typescript)\n([\s\S]*?)```/g)) out.push({ page, index: index++, code: m[1]! });
    }
  }
  return out;
}

/**
 * Type-checks each example as a module of its own (ESM, strict, top-level await), importing the
 * packages as a user does (their built type declarations, resolved from `cwd`). Writes the
 * examples into `workDir` (removed afterwards) and returns the compiler's errors as lines
 * `page #index line:col message`.
 */
export function typeCheckExamples(examples: readonly ApiExample[], workDir: string): string[] {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const files = new Map<string, ApiExample>();
  examples.forEach((e, i) => {
    const file = join(workDir, `example-${i}.mts`);
    writeFileSync(file, e.code);
    files.set(file, e);
  });
  const { options, errors } = ts.convertCompilerOptionsFromJson(
    {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2023', 'DOM'],
      types: ['node'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
    },
    workDir,
  );
  if (errors.length > 0) throw new Error(ts.flattenDiagnosticMessageText(errors[0]!.messageText, '\n'));
  try {
    const program = ts.createProgram([...files.keys()], options);
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const example = d.file ? files.get(d.file.fileName) : undefined;
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const label = example ? `${example.page} #${example.index}` : (d.file?.fileName ?? 'options');
      return `${label} ${where ? `${where.line + 1}:${where.character + 1} ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * The files of the JavaScript frames on the stack of the error that `fn` throws, as V8 sees them
 * (the files that really ran, with no source map applied), innermost first; `[]` when `fn` does
 * not throw. Tells whether a package ran from its built `dist/` or from its TypeScript sources.
 */
export function filesOnStackOf(fn: () => unknown): string[] {
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (_err, frames) => frames.map((f) => f.getFileName() ?? '');
  try {
    fn();
    return [];
  } catch (err) {
    const stack: unknown = (err as { stack?: unknown }).stack;
    return Array.isArray(stack) ? stack.filter((f): f is string => typeof f === 'string' && f !== '') : [];
  } finally {
    Error.prepareStackTrace = previous;
  }
}

/** The prefix of the one line of JSON the probe script prints (Dawn may print lines of its own on stdout). */
export const DAWN_PROBE_MARKER = 'AIT_WEBGPU_PROBE ';

/**
 * What the probe script reports: the adapter Dawn offers tfjs-backend-webgpu (its info; `null` for
 * none), or the step that failed with the error's message.
 */
export type DawnProbeReport =
  | {
      readonly adapter: {
        readonly vendor?: string;
        readonly architecture?: string;
        readonly device?: string;
        readonly description?: string;
        readonly type?: string;
        readonly isFallbackAdapter?: boolean;
      } | null;
    }
  | { readonly failed: 'import' | 'exports' | 'create' | 'requestAdapter'; readonly message: string };

/**
 * An ES module, run by `node --input-type=module -e` with the `webgpu` package's file URL as its
 * argument, that asks Dawn for the adapter tfjs-backend-webgpu would get (`powerPreference:
 * 'high-performance'`) and prints one {@link DawnProbeReport} line after {@link DAWN_PROBE_MARKER}.
 * It runs in a child process so that what Dawn and the GPU drivers print while they enumerate the
 * adapters (for instance lavapipe's `Warning: maxDynamicUniformBuffersPerPipelineLayout artificially
 * reduced ...`) goes to a pipe the parent reads, not to the user's terminal.
 */
export const DAWN_PROBE_SCRIPT = `
const marker = ${JSON.stringify(DAWN_PROBE_MARKER)};
const report = (value) => {
  process.stdout.write('\\n' + marker + JSON.stringify(value) + '\\n', () => process.exit(0));
};
const text = (err) => (err instanceof Error ? err.message : String(err));
let mod;
try {
  mod = await import(process.argv[1]);
} catch (err) {
  report({ failed: 'import', message: text(err) });
}
if (mod !== undefined) {
  if (typeof mod.create !== 'function') {
    report({ failed: 'exports', message: 'the package does not export create()' });
  } else {
    let gpu;
    try {
      gpu = mod.create([]);
    } catch (err) {
      report({ failed: 'create', message: text(err) });
    }
    if (gpu !== undefined) {
      try {
        const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
        const info = adapter === null ? null : (adapter.info ?? {});
        const field = (name) => (info !== null && typeof info[name] === 'string' ? { [name]: info[name] } : {});
        const fallback = adapter !== null && (adapter.isFallbackAdapter === true || info.isFallbackAdapter === true);
        report({
          adapter:
            adapter === null
              ? null
              : {
                  ...field('vendor'),
                  ...field('architecture'),
                  ...field('device'),
                  ...field('description'),
                  ...field('type'),
                  ...(fallback ? { isFallbackAdapter: true } : {}),
                },
        });
      } catch (err) {
        report({ failed: 'requestAdapter', message: text(err) });
      }
    }
  }
}
`;

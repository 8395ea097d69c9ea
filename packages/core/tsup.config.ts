import { packageBuildConfig } from '../../tsup.shared.mjs';

// dist/index.* for Node, dist/browser.* for bundlers targeting browsers (package.json `browser` condition).
export default packageBuildConfig({ browserEntry: 'src/browser.ts' });

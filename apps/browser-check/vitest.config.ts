import { packageTestConfig } from '../../vitest.shared.mjs';

const shared = packageTestConfig('@ait/browser-check');

// The Node side of every comparison must run the built packages (dist/index.js, what a Node user's
// `import '@ait/core'` gets), as the page runs their built browser entries: drop the shared
// `@ait/source` resolve condition, which would run the packages' TypeScript sources instead.
export default { ...shared, resolve: {}, ssr: {} };

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type DefaultTheme } from 'vitepress';

/** The sidebar TypeDoc writes next to the API pages (absent before the first generation). */
function apiSidebar(): DefaultTheme.SidebarItem[] {
  const file = fileURLToPath(new URL('../docs/api/typedoc-sidebar.json', import.meta.url));
  if (!existsSync(file)) return [];
  return JSON.parse(readFileSync(file, 'utf8')) as DefaultTheme.SidebarItem[];
}

const guide: DefaultTheme.SidebarItem[] = [
  {
    text: 'Introduction',
    items: [
      { text: 'What is AiT.js', link: '/' },
      { text: 'Getting started', link: '/guide/getting-started' },
      { text: 'Use a trained model in your app', link: '/guide/use-a-trained-model' },
      { text: 'Scale out with PyTorch', link: '/guide/scale-out-with-pytorch' },
      { text: 'Installing', link: '/guide/install' },
      { text: 'FAQ', link: '/guide/faq' },
    ],
  },
  {
    text: 'Concepts',
    items: [
      { text: 'The Associative Transformer', link: '/concepts/associative-transformer' },
      { text: 'Hopfield networks', link: '/concepts/hopfield-networks' },
      { text: 'Hierarchical associative memory', link: '/concepts/hierarchical-associative-memory' },
    ],
  },
  {
    text: 'Package guides',
    items: [
      { text: '@ait/core', link: '/packages/core' },
      { text: '@ait/hopfield', link: '/packages/hopfield' },
      { text: '@ait/vision', link: '/packages/vision' },
      { text: '@ait/datasets', link: '/packages/datasets' },
      { text: '@ait/cli', link: '/packages/cli' },
      { text: 'Only @ait/hopfield in your tfjs model', link: '/guide/hopfield-in-your-model' },
      { text: 'In the browser', link: '/guide/browser' },
      { text: 'Reliability', link: '/guide/reliability' },
      { text: 'Playground', link: '/playground' },
    ],
  },
  {
    text: 'Models and data',
    items: [
      { text: 'Model zoo', link: '/models/zoo' },
      { text: 'Results', link: '/results' },
      { text: 'Data sets', link: '/guide/datasets' },
    ],
  },
  {
    text: 'Reference',
    items: [
      { text: 'CLI reference', link: '/reference/cli' },
      { text: 'API reference', link: '/api/' },
      { text: 'Fidelity to the reference code', link: '/reference/fidelity' },
      { text: 'Benchmarks and results', link: '/benchmarks/' },
      { text: 'Citing AiT.js', link: '/reference/citing' },
    ],
  },
  {
    text: 'Benchmarks',
    collapsed: true,
    items: ['core', 'hopfield', 'vision', 'datasets', 'cli'].map((p) => ({ text: `@ait/${p}`, link: `/benchmarks/${p}` })),
  },
];

export default defineConfig({
  title: 'AiT.js',
  description: 'Associative-memory transformers for TypeScript and TensorFlow.js',
  srcDir: 'docs',
  outDir: 'dist',
  cleanUrls: false,
  lastUpdated: false,
  head: [['link', { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' }]],
  // Generated pages link between each other by relative paths; the link check in the test verifies them.
  ignoreDeadLinks: false,
  // $...$ and $$...$$ in the pages (the concept pages' formulas) render as MathJax SVG at build time
  // (markdown-it-mathjax3, a devDependency); $ inside code spans and code blocks stays literal.
  markdown: { math: true },
  // the playground's training worker imports @ait/* with dynamic imports: bundle it as a module
  vite: { worker: { format: 'es' } },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'Concepts', link: '/concepts/associative-transformer' },
      { text: 'Models', link: '/models/zoo' },
      { text: 'Results', link: '/results' },
      { text: 'CLI', link: '/reference/cli' },
      { text: 'API', link: '/api/' },
      { text: 'Benchmarks', link: '/benchmarks/' },
      { text: 'Playground', link: '/playground' },
    ],
    sidebar: {
      '/api/': [{ text: 'API reference', link: '/api/', items: apiSidebar() }],
      '/': guide,
    },
    search: { provider: 'local' },
    outline: { level: [2, 3] },
    footer: { message: 'MIT licence. AiT: Sun et al., arXiv 2309.12862.' },
  },
});

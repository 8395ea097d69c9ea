// The site's theme: VitePress' default theme with the playground component registered and tables that fit their column.
import DefaultTheme from 'vitepress/theme';
import type { Theme } from 'vitepress';
import Playground from './playground/Playground.vue';
import './tables.css';

const theme: Theme = {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('AitPlayground', Playground);
  },
};

export default theme;

// The site's theme: VitePress' default theme with the playground component registered.
import DefaultTheme from 'vitepress/theme';
import type { Theme } from 'vitepress';
import Playground from './playground/Playground.vue';

const theme: Theme = {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('AitPlayground', Playground);
  },
};

export default theme;

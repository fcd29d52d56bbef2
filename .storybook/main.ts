import type { StorybookConfig } from '@storybook/react-vite';
import { mergeConfig } from 'vite';
import { sourceAliases } from '../vite.config.ts';

const config: StorybookConfig = {
  framework: '@storybook/react-vite',
  stories: ['../stories/**/*.stories.tsx'],
  addons: ['@storybook/addon-docs'],
  // Props tables from the components' TypeScript types and TSDoc: literal unions (`provider`,
  // `mode`, `accessPage`) listed as such, each prop with its description; the props a component
  // inherits from React's button attributes are left out, except `asChild`, which is ours.
  typescript: {
    reactDocgen: 'react-docgen-typescript',
    reactDocgenTypescriptOptions: {
      shouldExtractLiteralValuesFromEnum: true,
      shouldRemoveUndefinedFromOptional: true,
      propFilter: (prop) => !prop.parent || !prop.parent.fileName.includes('node_modules'),
    },
  },
  // The MSW service worker (`npx msw init .storybook/public --no-save`) and the stand-in provider page.
  staticDirs: ['./public'],
  // Stories run against the package sources, like the tests: no build needed.
  viteFinal: (viteConfig) => mergeConfig(viteConfig, { resolve: { alias: sourceAliases } }),
};

export default config;

import type { Preview } from '@storybook/react-vite';
import { initialize, mswLoader } from 'msw-storybook-addon';

// Stories fake the Handoff backend with `parameters.msw.handlers`; anything else goes to the network.
initialize({ onUnhandledRequest: 'bypass', quiet: true });

const preview: Preview = {
  loaders: [mswLoader],
  parameters: {
    layout: 'centered',
  },
};

export default preview;

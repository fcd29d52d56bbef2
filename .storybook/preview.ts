import type { Preview } from '@storybook/react-vite';
import { initialize, mswLoader } from 'msw-storybook-addon';

// Stories fake the Handoff backend with `parameters.msw.handlers`, and everything else they need
// is served by Storybook itself: a request to any other origin is an error, so no story can
// quietly depend on the network.
initialize({
  quiet: true,
  onUnhandledRequest: (request, print) => {
    if (new URL(request.url).origin !== window.location.origin) print.error();
  },
});

const preview: Preview = {
  loaders: [mswLoader],
  parameters: {
    layout: 'centered',
  },
};

export default preview;

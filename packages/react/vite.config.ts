import { libraryConfig } from '../../vite.config.ts';

export default libraryConfig(import.meta.dirname, {
  entry: 'src/index.ts',
  external: ['react', 'react-dom', 'react/jsx-runtime', '@handoff/core'],
});

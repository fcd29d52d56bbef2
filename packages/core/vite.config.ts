import { libraryConfig } from '../../vite.config.ts';

export default libraryConfig(import.meta.dirname, { entry: 'src/index.ts' });

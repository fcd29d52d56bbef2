import { libraryConfig } from '../../vite.config.ts';

// Node 20+ only, and no imports at all: fetch, AbortSignal and crypto are globals there.
const config = libraryConfig(import.meta.dirname, { entry: 'src/index.ts' });
config.build!.target = 'node20';

export default config;

import { packageConfig } from '../../tooling/tsup';

// Two entries: the browser-safe main entry and `@gan/data/node` (file system, zlib, downloads, image codecs).
export default packageConfig({ entry: ['src/index.ts', 'src/node.ts'] });

import { packageConfig } from '../../tooling/tsup';

// `@gan/train/node` (checkpoint files) is a second entry, so the main entry stays free of Node's fs.
export default packageConfig({ entry: ['src/index.ts', 'src/node.ts'] });

import { packageConfig } from '../../tooling/tsup';

export default packageConfig({ entry: ['src/index.ts', 'src/node.ts'] });

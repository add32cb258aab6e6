import { packageConfig } from '../../tooling/tsup';

// `shims` makes `import.meta.url` work in the CJS build, which locates the shipped classifier weights.
export default packageConfig({ entry: ['src/index.ts', 'src/node.ts'], shims: true });

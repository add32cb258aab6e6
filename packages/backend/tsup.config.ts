import { packageConfig } from '../../tooling/tsup';

// `shims` gives the CJS build an `import.meta.url`, which enableWasmThreads() resolves
// tfjs-backend-wasm's files from.
export default packageConfig({ shims: true });

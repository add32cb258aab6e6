import { packageConfig } from '../../tooling/tsup';

// The CLI is an executable, not a library: one ESM file with a shebang, no types.
export default packageConfig({ format: ['esm'], dts: false, banner: { js: '#!/usr/bin/env node' } });

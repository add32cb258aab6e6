import { defineConfig, type Options } from 'tsup';

/**
 * The one tsup configuration every package builds with: ESM + CJS + type
 * declarations + source maps. A package's `tsup.config.ts` calls this with its
 * entry points (and, for the CLI, `banner`/`noExternal` overrides).
 */
export function packageConfig(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    treeshake: true,
    splitting: false,
    external: [/^@tensorflow\//, /^@gan\//, 'pngjs', 'jpeg-js', 'webgpu'],
    ...overrides,
  });
}

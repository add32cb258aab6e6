import { defineConfig } from 'vite';

// @gan/backend loads tfjs-node, the Dawn `webgpu` package and Node built-ins only when it runs in
// Node; give the browser bundle stubs for them instead of trying to bundle native code.
const nodeOnly = /^(node:.*|@tensorflow\/tfjs-node(-gpu)?|webgpu)$/;
const builtins = /^(os|module|path|crypto|fs|url|worker_threads)$/;

export default defineConfig({
  base: './',
  build: { target: 'es2022', assetsInlineLimit: 0, chunkSizeWarningLimit: 4096 },
  plugins: [
    {
      name: 'node-only-stubs',
      enforce: 'pre',
      resolveId(source, importer) {
        const fromBackend =
          importer !== undefined && /[\\/](packages[\\/]backend|@gan[\\/]backend)[\\/]/.test(importer);
        return nodeOnly.test(source) || (fromBackend && builtins.test(source)) ? `\0stub:${source}` : null;
      },
      load(id) {
        return id.startsWith('\0stub:') ? `throw new Error('${id.slice(6)} is Node-only');` : null;
      },
    },
  ],
});

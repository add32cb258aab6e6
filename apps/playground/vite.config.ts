import { defineConfig, type Plugin } from 'vite';

/**
 * Node-only modules that @gan/backend imports dynamically, and only when it runs in Node
 * (tfjs-node, the Dawn `webgpu` package, `node:*` built-ins). The browser bundle gets a stub that
 * rejects on import, so the build does not try to bundle native addons.
 */
const nodeOnly = /^(node:.*|@tensorflow\/tfjs-node(-gpu)?|webgpu)$/;
/** Built-ins that @gan/backend's build imports without the `node:` prefix (only there: tfjs-backend-wasm maps them away itself). */
const builtins = /^(os|module|path|crypto|fs|url|worker_threads)$/;

function nodeOnlyStubs(): Plugin {
  return {
    name: 'gan-node-only-stubs',
    enforce: 'pre',
    resolveId(source, importer) {
      const fromBackend = importer !== undefined && /[\\/](packages[\\/]backend|@gan[\\/]backend)[\\/]/.test(importer);
      return nodeOnly.test(source) || (fromBackend && builtins.test(source)) ? `\0node-only:${source}` : null;
    },
    load(id) {
      if (!id.startsWith('\0node-only:')) return null;
      const name = id.slice('\0node-only:'.length);
      return `throw new Error(${JSON.stringify(`Cannot find module "${name}": it is Node-only and not bundled for the browser.`)});`;
    },
  };
}

/** Cross-origin isolation lets tfjs use wasm threads (SharedArrayBuffer) where the browser allows it. */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  plugins: [nodeOnlyStubs()],
  resolve: { dedupe: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers'] },
  worker: { format: 'es', plugins: () => [nodeOnlyStubs()] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096, assetsInlineLimit: 0 },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
});

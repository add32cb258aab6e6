import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 240_000,
    // Makes sure Node's WebGPU finds an adapter for webgpu.test.ts (installs Mesa lavapipe on a bare Debian machine as root).
    globalSetup: ['../../tooling/ensure-webgpu.mjs'],
  },
});

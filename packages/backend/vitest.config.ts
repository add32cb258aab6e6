import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Makes sure Node's WebGPU finds an adapter (installs Mesa lavapipe on a bare Debian machine as root).
    globalSetup: ['../../tooling/ensure-webgpu.mjs'],
    testTimeout: 120_000,
  },
});

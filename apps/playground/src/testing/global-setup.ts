import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { chromiumPath } from './chromium.js';
import { serveStatic } from './static-server.js';
import { probeWebGpu, type WebGpuProbe } from './webgpu-probe.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Whether the test browser gives WebGPU an adapter (the WebGPU tests skip, saying why, when it does not). */
    webgpu: WebGpuProbe;
  }
}

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Makes sure a Chromium exists (installing Debian's package when running as root, as on a fresh CI
 * machine) and that the app was built (`npm test` runs `vite build` first), then asks that Chromium for a
 * WebGPU adapter and gives the answer to the tests (`inject('webgpu')`).
 */
export default async function setup(project: TestProject): Promise<void> {
  if (!existsSync(chromiumPath)) {
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (!isRoot) {
      throw new Error(
        `The playground's browser tests need Chromium at ${chromiumPath}, which is missing. Install it with ` +
          '`sudo apt-get update && sudo apt-get install -y chromium` (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium binary.',
      );
    }
    console.log(`Chromium is missing at ${chromiumPath}; installing Debian's chromium package…`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env });
    if (!existsSync(chromiumPath))
      throw new Error(`apt-get installed chromium, but ${chromiumPath} still does not exist.`);
  }
  if (!existsSync(join(appDir, 'dist', 'index.html'))) {
    throw new Error(
      'The playground is not built (dist/index.html is missing). Run `npm test` (it builds first) or `npx vite build`.',
    );
  }
  const server = await serveStatic(join(appDir, 'dist'));
  try {
    const webgpu = await probeWebGpu(server.url);
    console.log(
      webgpu.available
        ? `WebGPU in ${webgpu.browser}: ${JSON.stringify(webgpu.adapter)}`
        : `WebGPU tests skipped: ${webgpu.reason}`,
    );
    project.provide('webgpu', webgpu);
  } finally {
    await server.close();
  }
}

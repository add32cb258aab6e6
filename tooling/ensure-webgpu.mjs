// Vitest global setup for the WebGPU tests (packages/backend, apps/cli): makes sure Node's WebGPU (the
// `webgpu` package, Dawn) finds an adapter. On a machine with a GPU and a Vulkan driver that is already so.
// On a bare Debian 12 machine, as CI is, it installs Mesa's software Vulkan (lavapipe): Debian's `libvulkan1`
// and `mesa-vulkan-drivers` from bookworm-backports (bookworm's own Mesa 22.3 lacks a feature Dawn needs:
// "Vulkan shaderUniform*ArrayDynamicIndexing required"). It needs root and apt-get, as the playground's
// Chromium install does. When neither works it stops the suite with what to install, unless
// GAN_WEBGPU_TESTS=skip is set, which the WebGPU tests then report as skipped.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Asks Dawn for an adapter in a child process (a failed Vulkan load must not poison the test process). */
export function probeAdapter() {
  const script = `
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const adapter = await create([]).requestAdapter();
    const info = adapter?.info ?? {};
    console.log(JSON.stringify(adapter ? { found: true, text: [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') } : { found: false }));
    process.exit(0);`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const stdout = (result.stdout ?? '').trim();
  const stderr = (result.stderr ?? '').trim();
  try {
    return { ...JSON.parse(stdout.split('\n').pop() ?? ''), log: stderr };
  } catch {
    const missing = /Cannot find (package|module) 'webgpu'/.test(stderr);
    return { found: false, missing, log: `${stderr}\n${stdout}\n${result.error?.message ?? ''}`.trim() };
  }
}

function debianCodename() {
  if (!existsSync('/etc/os-release')) return undefined;
  const match = /^VERSION_CODENAME=(.*)$/m.exec(readFileSync('/etc/os-release', 'utf8'));
  return match?.[1]?.replace(/"/g, '');
}

/** Runs apt-get, waiting up to 5 minutes for another apt (a fresh machine's daily update) to let go of its lock. */
function aptGet(args) {
  execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 600_000,
  });
}

function installLavapipe() {
  const install = ['install', '-y', '--no-install-recommends'];
  if (debianCodename() === 'bookworm') {
    // Written every time (same content): an existing backports entry may be commented out or disabled.
    writeFileSync(
      '/etc/apt/sources.list.d/gan-bookworm-backports.sources',
      'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\n' +
        'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n',
    );
    aptGet(['update']);
    aptGet([...install, 'libvulkan1']);
    aptGet([...install, '-t', 'bookworm-backports', 'mesa-vulkan-drivers']);
  } else {
    aptGet(['update']);
    aptGet([...install, 'libvulkan1', 'mesa-vulkan-drivers']);
  }
}

const advice =
  'Node WebGPU (Dawn) needs a Vulkan driver: a GPU driver, or Mesa lavapipe (Debian 12: `apt-get install libvulkan1` and ' +
  '`apt-get install -t bookworm-backports mesa-vulkan-drivers`). Set GAN_WEBGPU_TESTS=skip to skip the WebGPU tests.';

export default function setup() {
  if (process.env.GAN_WEBGPU_TESTS === 'skip') return;
  let probe = probeAdapter();
  if (probe.found) return;
  if (probe.missing) {
    throw new Error(
      `The "webgpu" package (Dawn for Node) is not installed: run \`npm ci\` without --omit=optional. ${advice}\n${probe.log}`,
    );
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('apt-get', ['--version']).status === 0;
  if (process.platform !== 'linux' || !isRoot || !hasApt) {
    throw new Error(`No WebGPU adapter in Node. ${advice}\n${probe.log}`);
  }
  console.log('No WebGPU adapter in Node; installing Mesa lavapipe (libvulkan1, mesa-vulkan-drivers)…');
  try {
    installLavapipe();
  } catch (error) {
    throw new Error(`Installing lavapipe with apt-get failed (${error.message}). ${advice}`);
  }
  probe = probeAdapter();
  if (!probe.found) throw new Error(`Installed lavapipe, and WebGPU still finds no adapter. ${advice}\n${probe.log}`);
  console.log(`WebGPU adapter: ${probe.text}`);
}

import { GanError, importOptional } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { registerTrainingKernels } from './register-training-kernels.js';
import { gemmFor, startGemmWorkers } from './wasm/gemm.js';
import { enableRelaxedSimd, hasRelaxedSimd } from './wasm/relaxed-simd.js';
import { enableWasmThreads } from './wasm/threads.js';

/** A backend `initBackend` can pick. */
export type BackendName = 'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** What a probe needs from the caller's config. */
export interface ProbeOptions {
  allowSoftwareAdapter: boolean;
  wasmThreads: number | 'auto' | false;
  relaxedSimd: boolean;
  trainingKernels: boolean;
  log: (message: string) => void;
}

/** A backend that loaded and ran a test op. */
export interface ProbeSuccess {
  /** The tfjs backend name now active. */
  name: string;
  /** What was loaded, e.g. `"@tensorflow/tfjs-node"` or `"XNNPACK SIMD on 2 threads"`. */
  detail: string;
  /** Training kernels registered for it, as `backend/Kernel`. */
  kernels: string[];
}

/**
 * A probe loads a backend, makes it current and checks it computes; it throws a GanError
 * saying how to get the backend when it cannot.
 */
export type Probe = (options: ProbeOptions) => Promise<ProbeSuccess>;

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

function isBrowser(): boolean {
  return typeof window !== 'undefined' && typeof document !== 'undefined';
}

/** Switches to `name` and checks a tiny computation gives the right numbers. */
async function activate(name: string, installHint: string): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (cause) {
    throw new GanError('UNSUPPORTED', `Backend "${name}" failed to initialize. ${installHint}`, { cause });
  }
  if (!ok) throw new GanError('UNSUPPORTED', `Backend "${name}" failed to initialize. ${installHint}`);
  // data(), not dataSync(): WebGPU's synchronous read-back needs OffscreenCanvas, which Node lacks.
  const result = tf.tidy(() => tf.add(tf.tensor1d([1, 2, 3]), tf.scalar(0.5)));
  const values = await result.data();
  result.dispose();
  const expected = [1.5, 2.5, 3.5];
  if (!expected.every((v, i) => Math.abs((values[i] ?? Number.NaN) - v) < 1e-6)) {
    throw new GanError(
      'UNSUPPORTED',
      `Backend "${name}" initialized but computed [${Array.from(values).join(', ')}] for [1.5, 2.5, 3.5]. ${installHint}`,
    );
  }
}

const tensorflowHint =
  'Install "@tensorflow/tfjs-node" (CPU) or "@tensorflow/tfjs-node-gpu" (CUDA); their install script downloads libtensorflow, so it needs network access to storage.googleapis.com.';

const tensorflow: Probe = async ({ log }) => {
  if (!isNode()) throw new GanError('UNSUPPORTED', `Backend "tensorflow" runs in Node only. ${tensorflowHint}`);
  const failures: string[] = [];
  for (const [packageName, load] of [
    ['@tensorflow/tfjs-node-gpu', () => import('@tensorflow/tfjs-node-gpu')],
    ['@tensorflow/tfjs-node', () => import('@tensorflow/tfjs-node')],
  ] as const) {
    try {
      await importOptional(packageName, 'initBackend', load);
      await activate('tensorflow', tensorflowHint);
      return { name: 'tensorflow', detail: packageName, kernels: [] };
    } catch (error) {
      const cause =
        GanError.isInstance(error) && error.cause instanceof Error ? `: ${error.cause.message.split('\n')[0]}` : '';
      failures.push(
        `${packageName} ${GanError.isInstance(error) && error.code === 'MISSING_DEPENDENCY' ? 'not installed' : `failed${cause}`}`,
      );
      log(`tensorflow: ${failures[failures.length - 1]}`);
    }
  }
  throw new GanError(
    'MISSING_DEPENDENCY',
    `Backend "tensorflow" is not available (${failures.join('; ')}). ${tensorflowHint}`,
  );
};

interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: Record<string, unknown>;
  requestAdapterInfo?: () => Promise<Record<string, unknown>>;
}

interface GpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapterLike | null>;
}

const softwareAdapterPattern = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render|warp/i;

async function describeAdapter(adapter: GpuAdapterLike): Promise<{ software: boolean; text: string }> {
  let info = adapter.info;
  if (info === undefined && typeof adapter.requestAdapterInfo === 'function') info = await adapter.requestAdapterInfo();
  const fields = ['vendor', 'architecture', 'device', 'description']
    .map((key) => info?.[key])
    .filter((v) => typeof v === 'string' && v !== '');
  const text = fields.join(' ') || 'unknown adapter';
  return { software: adapter.isFallbackAdapter === true || softwareAdapterPattern.test(text), text };
}

const webgpuHint = isNode()
  ? 'In Node, WebGPU needs "webgpu" (Dawn) and "@tensorflow/tfjs-backend-webgpu" (npm install webgpu @tensorflow/tfjs-backend-webgpu) and a Vulkan driver.'
  : 'Use a browser with WebGPU enabled and install "@tensorflow/tfjs-backend-webgpu".';

/** Loads an optional peer; when absent, the GanError also says what else the backend needs. */
async function loadOptional<T>(name: string, hint: string, load: () => Promise<T>): Promise<T> {
  try {
    return await importOptional(name, 'initBackend', load);
  } catch (error) {
    if (GanError.isInstance(error)) throw new GanError(error.code, `${error.message}. ${hint}`, { cause: error.cause });
    throw error;
  }
}

/** What {@link probeDawnInChild} learnt about Dawn's adapter. */
interface ChildAdapter {
  adapter: boolean;
  software?: boolean;
  text?: string;
}

/**
 * Asks the `webgpu` package (Dawn) for an adapter in a child Node process and returns what it found; the child's
 * stderr (Dawn's warnings) goes to `log`, never to this process's terminal. A missing package is a GanError.
 */
async function probeDawnInChild(log: (message: string) => void): Promise<ChildAdapter> {
  const { createRequire } = await import('node:module');
  const { pathToFileURL } = await import('node:url');
  const { execFile } = await import('node:child_process');
  let modulePath: string;
  try {
    modulePath = createRequire(import.meta.url).resolve('webgpu');
  } catch (cause) {
    throw new GanError('MISSING_DEPENDENCY', `Cannot import "webgpu". ${webgpuHint}`, { cause });
  }
  const script = `
    const { create, globals } = await import(${JSON.stringify(pathToFileURL(modulePath).href)});
    Object.assign(globalThis, globals);
    const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
    const info = adapter?.info ?? {};
    const text = ['vendor', 'architecture', 'device', 'description'].map((k) => info[k]).filter(Boolean).join(' ');
    process.stdout.write(JSON.stringify({ adapter: adapter !== null, fallback: adapter?.isFallbackAdapter === true, text }));
    process.exit(0);`;
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { timeout: 60_000, encoding: 'utf8' },
      (error, out, err) => done({ stdout: String(out), stderr: `${String(err)}${error ? `\n${error.message}` : ''}` }),
    );
  });
  for (const line of stderr.split('\n')) if (line.trim() !== '') log(`webgpu (child probe): ${line.trim()}`);
  try {
    const found = JSON.parse(stdout) as { adapter: boolean; fallback: boolean; text: string };
    const text = found.text || 'unknown adapter';
    return { adapter: found.adapter, software: found.fallback || softwareAdapterPattern.test(text), text };
  } catch {
    return { adapter: false };
  }
}

const webgpu: Probe = async ({ allowSoftwareAdapter, trainingKernels, log }) => {
  const scope = globalThis as { navigator?: { gpu?: GpuLike } };
  let undo = () => {};
  if (scope.navigator?.gpu === undefined) {
    if (!isNode()) throw new GanError('UNSUPPORTED', `This browser has no WebGPU (navigator.gpu). ${webgpuHint}`);
    // Dawn prints its driver warnings ("Couldn't load Vulkan", limits "artificially reduced") straight to the
    // process's stderr; ask it in a child process first, so a machine without a usable adapter hears nothing.
    const found = await probeDawnInChild(log);
    if (!found.adapter) throw new GanError('UNSUPPORTED', `WebGPU found no adapter. ${webgpuHint}`);
    if (found.software && !allowSoftwareAdapter) {
      throw new GanError(
        'UNSUPPORTED',
        `WebGPU adapter "${found.text}" is a software renderer, usually slower than wasm; pass allowSoftwareAdapter: true to use it anyway.`,
      );
    }
    const dawn = (await loadOptional('webgpu', webgpuHint, () => import('webgpu'))) as {
      create(flags: string[]): GpuLike;
      globals: Record<string, unknown>;
    };
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]);
    // tfjs-backend-webgpu registers itself on import only if navigator.gpu exists.
    if (scope.navigator === undefined) {
      Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
      undo = () => {
        delete (globalThis as { navigator?: unknown }).navigator;
      };
    } else {
      Object.defineProperty(scope.navigator, 'gpu', { value: gpu, configurable: true });
      undo = () => {
        delete scope.navigator?.gpu;
      };
    }
  }
  try {
    const gpu = scope.navigator?.gpu;
    const adapter = gpu ? await gpu.requestAdapter({ powerPreference: 'high-performance' }) : null;
    if (adapter === null) throw new GanError('UNSUPPORTED', `WebGPU found no adapter. ${webgpuHint}`);
    const { software, text } = await describeAdapter(adapter);
    if (software && !allowSoftwareAdapter) {
      throw new GanError(
        'UNSUPPORTED',
        `WebGPU adapter "${text}" is a software renderer, usually slower than wasm; pass allowSoftwareAdapter: true to use it anyway.`,
      );
    }
    await loadOptional('@tensorflow/tfjs-backend-webgpu', webgpuHint, () => import('@tensorflow/tfjs-backend-webgpu'));
    await activate('webgpu', webgpuHint);
    const kernels = trainingKernels
      ? registerTrainingKernels({ backends: ['webgpu'] }).registered.filter((k) => k.startsWith('webgpu/'))
      : [];
    return { name: 'webgpu', detail: `WebGPU on ${text}${software ? ' (software)' : ''}`, kernels };
  } catch (error) {
    undo(); // leave no Dawn instance behind in Node when WebGPU is not used
    throw error;
  }
};

const webglHint = 'WebGL runs in browsers only; install "@tensorflow/tfjs-backend-webgl".';

const webgl: Probe = async ({ allowSoftwareAdapter }) => {
  if (!isBrowser())
    throw new GanError('UNSUPPORTED', `Backend "webgl" is not available outside a browser. ${webglHint}`);
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  if (context === null) throw new GanError('UNSUPPORTED', `This browser cannot create a WebGL context. ${webglHint}`);
  const debugInfo = context.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(context.getParameter(debugInfo ? debugInfo.UNMASKED_RENDERER_WEBGL : context.RENDERER));
  if (softwareAdapterPattern.test(renderer) && !allowSoftwareAdapter) {
    throw new GanError(
      'UNSUPPORTED',
      `WebGL renderer "${renderer}" is a software renderer, usually slower than wasm; pass allowSoftwareAdapter: true to use it anyway.`,
    );
  }
  await loadOptional('@tensorflow/tfjs-backend-webgl', webglHint, () => import('@tensorflow/tfjs-backend-webgl'));
  await activate('webgl', webglHint);
  return { name: 'webgl', detail: `WebGL on ${renderer}`, kernels: [] };
};

/**
 * Threads for the wasm matrix products in a browser: one per core (`navigator.hardwareConcurrency`, at most 8) for
 * `'auto'`. Not tfjs's own XNNPACK count, which it caps at half the cores (it assumes two hardware threads a core),
 * so 1 on a 2-core machine.
 */
function browserThreads(wasmThreads: ProbeOptions['wasmThreads']): number {
  if (wasmThreads === false) return 1;
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(8, Math.floor(wasmThreads === 'auto' ? cores : wasmThreads)));
}

const wasmHint = 'Install "@tensorflow/tfjs-backend-wasm" (no native build needed).';

const wasm: Probe = async ({ wasmThreads, relaxedSimd, trainingKernels, log }) => {
  const module = await loadOptional(
    '@tensorflow/tfjs-backend-wasm',
    wasmHint,
    () => import('@tensorflow/tfjs-backend-wasm'),
  );
  if (relaxedSimd && trainingKernels) {
    const before = hasRelaxedSimd();
    const on = await enableRelaxedSimd();
    log(
      `wasm: relaxed SIMD ${on ? (before ? 'available' : 'turned on (--experimental-wasm-relaxed-simd)') : 'unavailable'}`,
    );
  }
  if (wasmThreads !== false) {
    const result = await enableWasmThreads(wasmThreads === 'auto' ? {} : { threads: wasmThreads });
    log(`wasm: ${result.reason}`);
  }
  const kernels = trainingKernels
    ? registerTrainingKernels({ backends: ['wasm'] }).registered.filter((k) => k.startsWith('wasm/'))
    : [];
  await activate('wasm', wasmHint);
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD' : 'no SIMD';
  const threads = module.getThreadsCount();
  if (!isNode() && trainingKernels) {
    // Node's matrix-product workers start with its threaded backend (enableWasmThreads). In a browser tfjs runs its
    // threaded build by itself where the page is cross-origin isolated; the products get their workers here.
    const wanted = browserThreads(wasmThreads);
    const workers = await startGemmWorkers(tf.engine().backend, wanted - 1);
    log(`wasm: matrix products on ${workers + 1} of ${wanted} threads wanted`);
  }
  const gemm = trainingKernels ? gemmFor(tf.engine().backend) : null;
  const products =
    gemm === null
      ? ''
      : `; matrix products: ${gemm.fused ? 'FMA' : 'SIMD'} on ${gemm.threads} thread${gemm.threads === 1 ? '' : 's'}`;
  return { name: 'wasm', detail: `XNNPACK ${simd}, ${threads} thread${threads === 1 ? '' : 's'}${products}`, kernels };
};

const cpuHint = 'Install "@tensorflow/tfjs-backend-cpu".';

const cpu: Probe = async ({ trainingKernels }) => {
  await loadOptional('@tensorflow/tfjs-backend-cpu', cpuHint, () => import('@tensorflow/tfjs-backend-cpu'));
  const kernels = trainingKernels
    ? registerTrainingKernels({ backends: ['cpu'] }).registered.filter((k) => k.startsWith('cpu/'))
    : [];
  await activate('cpu', cpuHint);
  return { name: 'cpu', detail: 'pure JavaScript', kernels };
};

/** Probes by backend, and the order `auto` tries them in (fastest first). */
export const probes: Readonly<Record<BackendName, Probe>> = { tensorflow, webgpu, webgl, wasm, cpu };
export const autoOrder: readonly BackendName[] = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'];

import { GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import { autoOrder, type BackendName, probes } from './backend-probes.js';

/** Which backend {@link initBackend} should use. */
export type BackendPreference = 'auto' | BackendName;

/** Options of {@link initBackend}. */
export interface InitBackendConfig {
  /**
   * `auto` tries, in order, `tensorflow` (tfjs-node-gpu, then tfjs-node), `webgpu`, `webgl`,
   * `wasm`, `cpu`, and takes the first that loads and computes. Any other value uses only that
   * backend and throws a GanError saying how to install it when it cannot.
   * Defaults to `'auto'`.
   */
  prefer?: BackendPreference;
  /**
   * Accept a software WebGPU/WebGL adapter (SwiftShader, llvmpipe, lavapipe), which is usually
   * slower than wasm. Defaults to `false`.
   */
  allowSoftwareAdapter?: boolean;
  /**
   * Threads for the wasm backend in Node (see `enableWasmThreads`), and for the wasm training kernels' matrix
   * products in Node and in browsers (where tfjs runs its threaded build on cross-origin-isolated pages, and the
   * products get Web Workers when training runs in a Web Worker); `false` keeps one thread. Defaults to `'auto'`
   * (one per CPU core, at most 8).
   */
  wasmThreads?: number | 'auto' | false;
  /**
   * Turn on WebAssembly relaxed SIMD where the engine has it behind a flag (Node 20; see `enableRelaxedSimd`), so
   * the wasm training kernels' matrix products use FMA. `false` leaves V8's flags alone. Defaults to `true`.
   */
  relaxedSimd?: boolean;
  /** Register the training kernels (see `registerTrainingKernels`) for wasm, cpu and webgpu. Defaults to `true`. */
  trainingKernels?: boolean;
  /** Receives one line per backend tried. Defaults to no logging. */
  log?: (message: string) => void;
}

/** The backend {@link initBackend} chose. */
export interface BackendChoice {
  /** The active tfjs backend: `tensorflow`, `webgpu`, `webgl`, `wasm` or `cpu`. */
  name: string;
  /** What was chosen, in one short line, e.g. `wasm (XNNPACK SIMD, 2 threads, 16 training kernels)`. */
  summary: string;
  /** Why: what was chosen and what was tried before it, e.g. `wasm (XNNPACK SIMD, 2 threads); tried: tensorflow: …`. */
  reason: string;
  /** Training kernels registered for the chosen backend, as `backend/Kernel`. */
  kernels: string[];
}

// The last successful choice per config: a repeated call while that backend is still current returns
// it without probing again (probing WebGPU in Node starts a Dawn instance each time).
const previousChoices = new Map<string, BackendChoice>();

/** The first sentence of an error message: what failed, without the how-to-install advice. */
function summary(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const end = text.search(/\.(\s|$)/);
  return end === -1 ? text : text.slice(0, end);
}

/**
 * Makes the fastest backend that is installed and works the current tfjs backend. Each candidate
 * is loaded with a dynamic `import()` (optional peers that are absent are skipped, not fatal),
 * activated, and checked with a tiny computation.
 *
 * @example
 * const backend = await initBackend({ log: console.log });
 * console.log(backend.name, backend.reason);
 */
export async function initBackend(config: InitBackendConfig = {}): Promise<BackendChoice> {
  const prefer = config.prefer ?? 'auto';
  if (prefer !== 'auto' && !(prefer in probes)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Unknown backend "${String(prefer)}". Expected one of auto, ${autoOrder.join(', ')}.`,
    );
  }
  const log = config.log ?? (() => {});
  const options = {
    allowSoftwareAdapter: config.allowSoftwareAdapter ?? false,
    wasmThreads: config.wasmThreads ?? 'auto',
    relaxedSimd: config.relaxedSimd ?? true,
    trainingKernels: config.trainingKernels ?? true,
    log,
  } as const;
  const key = JSON.stringify([
    prefer,
    options.allowSoftwareAdapter,
    options.wasmThreads,
    options.relaxedSimd,
    options.trainingKernels,
  ]);
  const previous = previousChoices.get(key);
  if (previous !== undefined && tf.getBackend() === previous.name) {
    log(`kept ${previous.reason}`);
    return { ...previous, kernels: [...previous.kernels] };
  }
  const candidates = prefer === 'auto' ? autoOrder : [prefer];
  const tried: string[] = [];
  for (const candidate of candidates) {
    try {
      const chosen = await probes[candidate](options);
      const kernels = chosen.kernels.length > 0 ? `, ${chosen.kernels.length} training kernels` : '';
      const summary = `${chosen.name} (${chosen.detail}${kernels})`;
      const reason = `${summary}${tried.length > 0 ? `; tried first: ${tried.join('; ')}` : ''}`;
      log(`chose ${reason}`);
      const choice = { name: chosen.name, summary, reason, kernels: chosen.kernels };
      previousChoices.set(key, choice);
      return { ...choice, kernels: [...choice.kernels] };
    } catch (error) {
      if (prefer !== 'auto') throw error;
      tried.push(`${candidate}: ${summary(error)}`);
      log(`skipped ${candidate}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new GanError(
    'UNSUPPORTED',
    `No TensorFlow.js backend works here (${tried.join('; ')}). Install "@tensorflow/tfjs-backend-wasm" (no native build needed).`,
  );
}

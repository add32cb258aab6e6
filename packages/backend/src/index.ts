/** The fused Adam kernel's name and attributes: `@gan/core`'s, re-exported. */
export type { AdamUpdateAttrs } from '@gan/core';
export { adamUpdateKernelName } from '@gan/core';
export type { BackendName } from './backend-probes.js';
export type { BackendChoice, BackendPreference, InitBackendConfig } from './init-backend.js';
export { initBackend } from './init-backend.js';
export type { TrainingKernelBackend } from './kernels/training-kernel.js';
export { startPhaseTiming, stopPhaseTiming } from './phase-timing.js';
export type { RegisteredTrainingKernels, RegisterTrainingKernelsConfig } from './register-training-kernels.js';
export { registerTrainingKernels, unregisterTrainingKernels } from './register-training-kernels.js';
export { setFusedConvolutions } from './wasm/gemm.js';
export type { SimdPeak } from './wasm/peak.js';
export { simdPeak } from './wasm/peak.js';
export { enableRelaxedSimd, hasRelaxedSimd } from './wasm/relaxed-simd.js';
export type { WasmThreadsConfig, WasmThreadsResult } from './wasm/threads.js';
export { enableWasmThreads } from './wasm/threads.js';

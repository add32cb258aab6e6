export { initBackend } from './init-backend.js';
export type { BackendChoice, BackendPreference, InitBackendConfig } from './init-backend.js';
export type { BackendName } from './backend-probes.js';
export { registerTrainingKernels, unregisterTrainingKernels } from './register-training-kernels.js';
export type { RegisteredTrainingKernels, RegisterTrainingKernelsConfig } from './register-training-kernels.js';
export type { TrainingKernelBackend } from './kernels/kernel-types.js';
export { enableWasmThreads } from './wasm-threads.js';
export type { WasmThreadsConfig, WasmThreadsResult } from './wasm-threads.js';

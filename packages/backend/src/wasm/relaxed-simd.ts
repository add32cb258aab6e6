import { assemble, constI32, drop, type FunctionDef, relaxedMadd, simd, v128 } from './assembler.js';

// A module whose one function uses f32x4.relaxed_madd: it validates exactly where relaxed SIMD is on.
function probeModule(): Uint8Array {
  const splatZero = [constI32(0), simd(17)]; // i32x4.splat 0
  const probe: FunctionDef = {
    name: 'probe',
    params: [],
    locals: [[1, v128]],
    body: [splatZero, splatZero, splatZero, relaxedMadd, drop],
  };
  return assemble(false, [probe]);
}

/** Whether this engine compiles WebAssembly relaxed SIMD (so the wasm matrix products can use FMA). */
export function hasRelaxedSimd(): boolean {
  try {
    return WebAssembly.validate(probeModule() as BufferSource);
  } catch {
    return false;
  }
}

/**
 * Turns on WebAssembly relaxed SIMD where the engine has it behind a flag: Node 20 (V8 11.3) ships it as
 * `--experimental-wasm-relaxed-simd`, on by default from Node 22 and in Chrome since 114. With it the training
 * kernels' matrix products multiply-add in one FMA instruction (`f32x4.relaxed_madd`) instead of a multiply and an
 * add (faster where the CPU has FMA; see bench/RESULTS.md). Call it before the wasm backend starts (modules
 * compiled earlier keep what they had). Resolves to whether relaxed SIMD is on now; it never throws, and changes
 * nothing outside Node.
 */
export async function enableRelaxedSimd(): Promise<boolean> {
  if (hasRelaxedSimd()) return true;
  if (typeof process === 'undefined' || typeof process.versions?.node !== 'string') return false;
  try {
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return hasRelaxedSimd();
}

import {
  addI32,
  assemble,
  block,
  br,
  brIf,
  constI32,
  end,
  eqz,
  type FunctionDef,
  get,
  i32,
  loop,
  ltU32,
  relaxedMadd,
  set,
  simd,
  storeAt,
  v128,
} from './assembler.js';
import { gemmFunctions } from './gemm-generator.js';
import { hasRelaxedSimd } from './relaxed-simd.js';

// The machine's WebAssembly SIMD peak on one thread, for bench/ (issue #15: every speed figure is shown beside what
// WebAssembly can do on the CPU). Two figures: `fma`, independent `f32x4.relaxed_madd`s on registers only (the
// arithmetic ceiling: no loads, enough accumulators to hide the FMA latency); and `micro`, the matrix product's own
// register tile (wasm/gemm-generator.ts) on packed panels that stay in L1 (the ceiling of the product's inner loop).

/** The accumulators of the `fma` loop: more than latency × issue width of any current x86 or Arm core. */
const chains = 12;

function fmaFunction(): FunctionDef {
  const [iterations, out] = [0, 1];
  const i = 2;
  const [x, y] = [3, 4];
  const acc = (c: number) => 5 + c;
  const splatConst = (value: number) => {
    const bytes = new Uint8Array(new Float32Array([value, value, value, value]).buffer);
    return [...simd(12), ...bytes]; // v128.const
  };
  return {
    name: 'fma',
    params: [i32, i32],
    locals: [
      [1, i32],
      [2 + chains, v128],
    ],
    body: [
      [splatConst(0.999999), set(x), splatConst(1e-7), set(y)],
      Array.from({ length: chains }, (_, c) => [splatConst(c), set(acc(c))]),
      [constI32(0), set(i)],
      block,
      loop,
      [get(i), get(iterations), ltU32, eqz, brIf(1)],
      Array.from({ length: chains }, (_, c) => [get(acc(c)), get(x), get(y), relaxedMadd, set(acc(c))]),
      [get(i), constI32(1), addI32, set(i)],
      br(0),
      end,
      end,
      // Keep the results alive.
      Array.from({ length: chains }, (_, c) => [get(out), get(acc(c)), storeAt(16 * c)]),
    ],
  };
}

/** What {@link simdPeak} measured on the calling thread. */
export interface SimdPeak {
  /** Registers only: `f32x4.relaxed_madd` in independent chains. */
  fmaGflops: number;
  /** The product's register tile on panels in L1 cache (its inner loop at its best). */
  microGflops: number;
  /** Whether the product's tile uses fused multiply-add (relaxed SIMD) or a separate multiply and add. */
  fused: boolean;
}

/**
 * Measures the WebAssembly SIMD peak of the calling thread for about `seconds` (split between the two figures); run
 * it on several threads at once to get the whole machine's, with `beforeTiming` a barrier between them (it is called
 * before each timed part, after the warm-up). Needs relaxed SIMD for the `fma` figure (Node 20:
 * `enableRelaxedSimd()` first); without it `fmaGflops` is NaN.
 */
export function simdPeak(seconds = 1, options: { beforeTiming?: () => void } = {}): SimdPeak {
  const sync = options.beforeTiming ?? (() => {});
  const memory = new WebAssembly.Memory({ initial: 4 });
  const fused = hasRelaxedSimd();
  let fmaGflops = Number.NaN;
  if (fused) {
    const fma = new WebAssembly.Instance(new WebAssembly.Module(assemble(false, [fmaFunction()]) as BufferSource), {
      env: { memory },
    }).exports.fma as (iterations: number, out: number) => void;
    fmaGflops = rate(seconds / 2, (n) => fma(n, 0), chains * 8, sync);
  }
  const exports = new WebAssembly.Instance(
    new WebAssembly.Module(assemble(false, gemmFunctions(fused)) as BufferSource),
    { env: { memory } },
  ).exports;
  const micro = exports.micro as (ap: number, bp: number, kc: number, c: number, ldc: number, acc: number) => void;
  // Panels of 4 × 256 (A) and 8 × 256 (B) values: 12 KiB, in L1; the 4 × 8 tile at 64 KiB.
  const kc = 256;
  new Float32Array(memory.buffer, 0, 12 * kc).fill(0.5);
  const [ap, bp, c] = [0, 4 * kc * 4, 65536];
  const microGflops = rate(
    seconds / 2,
    (n) => {
      for (let r = 0; r < n; r++) micro(ap, bp, kc, c, 32, 1);
    },
    4 * 8 * kc * 2,
    sync,
  );
  return { fmaGflops, microGflops, fused };
}

/**
 * GFLOP/s of `run(n)` (doing `flopsPerUnit` × n), n grown until one call takes ≥ 50 ms, best of the calls in
 * `seconds` after `sync()` (where threads measured together wait for each other, so that every call overlaps theirs).
 */
function rate(seconds: number, run: (n: number) => void, flopsPerUnit: number, sync: () => void): number {
  let n = 1000;
  for (;;) {
    const start = performance.now();
    run(n);
    if (performance.now() - start >= 50) break;
    n *= 2;
  }
  sync();
  let best = 0;
  const until = performance.now() + seconds * 1000;
  do {
    const start = performance.now();
    run(n);
    const ms = performance.now() - start;
    best = Math.max(best, (n * flopsPerUnit) / ms / 1e6);
  } while (performance.now() < until);
  return best;
}

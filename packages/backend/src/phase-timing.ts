// Time spent inside the kernels' own phases (im2col, col2im, the SIMD product), for bench/profile: tf.profile times
// whole kernels, and a convolution's time is mostly these phases. Off unless started: then each phase costs two
// performance.now() calls, nothing when stopped.

let phases: Map<string, { ms: number; calls: number }> | null = null;
let detailed = false;

/**
 * Starts accumulating the time of each kernel phase (clearing what was accumulated); with `detail`, also per phase
 * and size (`gemm 128×1024×6272`: m × n × k).
 */
export function startPhaseTiming(options: { detail?: boolean } = {}): void {
  phases = new Map();
  detailed = options.detail ?? false;
}

/** Stops accumulating and returns milliseconds and calls per phase since {@link startPhaseTiming}. */
export function stopPhaseTiming(): Record<string, { ms: number; calls: number }> {
  const result = Object.fromEntries(phases ?? []);
  phases = null;
  return result;
}

/** Runs `fn`, adding its wall time to phase `label` (and to `label detail()` when detailed) while timing is on. */
export function phase<T>(label: string, fn: () => T, detail?: () => string): T {
  if (phases === null) return fn();
  const start = performance.now();
  try {
    return fn();
  } finally {
    const ms = performance.now() - start;
    add(label, ms);
    if (detailed && detail !== undefined) add(`${label} ${detail()}`, ms);
  }
}

function add(label: string, ms: number): void {
  const entry = phases?.get(label) ?? { ms: 0, calls: 0 };
  entry.ms += ms;
  entry.calls += 1;
  phases?.set(label, entry);
}

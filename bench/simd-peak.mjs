// The machine's WebAssembly SIMD peak (issue #15): @gan/backend's simdPeak() on every core at once, in worker threads.
// Two figures per thread: `fma`, independent f32x4.relaxed_madd chains on registers only (what the arithmetic units
// allow), and `micro`, the matrix product's own 4 × 8 register tile on panels in L1 (its inner loop at its best).
// bench/run.mjs prints every case's GFLOP/s beside these.
//
//   npm run build && node bench/simd-peak.mjs [--threads 2] [--seconds 2]
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { enableRelaxedSimd, simdPeak } from '@gan/backend';

/** Runs simdPeak on `threads` threads at once; per thread and summed GFLOP/s. */
export async function measureSimdPeak(threads = os.cpus().length, seconds = 2) {
  await enableRelaxedSimd();
  // A barrier in shared memory: every thread starts each timed part together, so each figure is measured while the
  // other threads run too (a core's share of the machine, not its speed alone).
  const barrier = new Int32Array(new SharedArrayBuffer(8));
  const results = await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise((resolve, reject) => {
          const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { seconds, barrier, threads } });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  const sum = (key) => results.reduce((total, r) => total + r[key], 0);
  return { threads, perThread: results, fmaGflops: sum('fmaGflops'), microGflops: sum('microGflops') };
}

if (!isMainThread) {
  await enableRelaxedSimd();
  const { barrier, threads, seconds } = workerData;
  let round = 0;
  const beforeTiming = () => {
    round += 1;
    // barrier[0]: threads arrived at this round's barrier so far (rounds counted in barrier[1])
    if (Atomics.add(barrier, 0, 1) === round * threads - 1) {
      Atomics.store(barrier, 1, round);
      Atomics.notify(barrier, 1);
    }
    while (Atomics.load(barrier, 1) < round) Atomics.wait(barrier, 1, round - 1, 100);
  };
  parentPort.postMessage(simdPeak(seconds, { beforeTiming }));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      threads: { type: 'string', default: String(os.cpus().length) },
      seconds: { type: 'string', default: '2' },
    },
  });
  const peak = await measureSimdPeak(Number(values.threads), Number(values.seconds));
  console.log(`${peak.threads} × ${os.cpus()[0]?.model}, node ${process.version}`);
  for (const [i, r] of peak.perThread.entries()) {
    console.log(
      `  thread ${i + 1}: fma ${r.fmaGflops.toFixed(1)} GFLOP/s, product tile ${r.microGflops.toFixed(1)} GFLOP/s`,
    );
  }
  console.log(
    `all threads: fma ${peak.fmaGflops.toFixed(1)} GFLOP/s, product tile ${peak.microGflops.toFixed(1)} GFLOP/s`,
  );
}

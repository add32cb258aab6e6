/**
 * One seeded random source for everything @gan draws (noise, shuffling, synthetic data, weight seeds),
 * so that a run with the same seed is reproducible. sfc32: four 32-bit words of state, which
 * {@link Random.getState} and {@link Random.setState} expose for checkpoints.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** `count` floats uniform in [low, high). */
  uniform(count: number, low?: number, high?: number): Float32Array;
  /** `count` floats from N(mean, std²) (Box–Muller). */
  normal(count: number, mean?: number, std?: number): Float32Array;
  /** A 31-bit integer, for APIs that take a seed (tfjs initializers). */
  seed(): number;
  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T>(array: T[] | Int32Array | Uint32Array): typeof array;
  /** A new independent source seeded from this one. */
  fork(): Random;
  getState(): number[];
  setState(state: readonly number[]): void;
}

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Creates a seeded random source. Without a seed it seeds itself from `Math.random()`. */
export function createRandom(seed?: number): Random {
  const init = splitmix32(seed ?? Math.floor(Math.random() * 2 ** 32));
  let a = init();
  let b = init();
  let c = init();
  let d = init();

  const nextUint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) nextUint32();

  const random: Random = {
    next: () => nextUint32() / 4294967296,
    int: (n) => Math.floor(random.next() * n),
    uniform(count, low = 0, high = 1) {
      const out = new Float32Array(count);
      const span = high - low;
      for (let i = 0; i < count; i++) out[i] = low + span * random.next();
      return out;
    },
    normal(count, mean = 0, std = 1) {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i += 2) {
        const u1 = 1 - random.next();
        const u2 = random.next();
        const r = Math.sqrt(-2 * Math.log(u1));
        out[i] = mean + std * r * Math.cos(2 * Math.PI * u2);
        if (i + 1 < count) out[i + 1] = mean + std * r * Math.sin(2 * Math.PI * u2);
      }
      return out;
    },
    seed: () => nextUint32() >>> 1,
    shuffle(array) {
      for (let i = array.length - 1; i > 0; i--) {
        const j = random.int(i + 1);
        const tmp = array[i];
        array[i] = array[j];
        array[j] = tmp;
      }
      return array;
    },
    fork: () => createRandom(nextUint32()),
    getState: () => [a, b, c, d],
    setState(state) {
      if (state.length !== 4) throw new RangeError(`Expected a random state of 4 numbers, got ${state.length}.`);
      [a, b, c, d] = state.map((v) => v >>> 0) as [number, number, number, number];
    },
  };
  return random;
}

import {
  add,
  addF32,
  addI32,
  andI32,
  block,
  br,
  brIf,
  type Code,
  call,
  constF32Zero,
  constI32,
  divU32,
  elseBranch,
  end,
  eqI32,
  eqz,
  type FunctionDef,
  get,
  gtU32,
  i32,
  ifF32,
  ifThen,
  loadAt,
  loadF32At,
  loadSplatAt,
  loop,
  ltU32,
  mul,
  mulI32,
  orI32,
  reinterpretI32AsF32,
  relaxedMadd,
  selectI32,
  set,
  shrU32,
  shuffleLanes,
  storeAt,
  storeF32At,
  subI32,
  tee,
  v128,
  zeroVector,
} from './assembler.js';
import { col2imFunction, im2colFunction, runLoop } from './im2col-generator.js';
import { adamFunction } from './simd.js';

// A float32 matrix product `C = A · B` (or `C += A · B`) as WebAssembly SIMD, in the blocked form of BLIS/GotoBLAS:
// A is copied into panels of 4 rows and B into panels of 8 columns, both k-major, for one block of `KC` inner
// indices (and `NC` columns of B) at a time, so the 4 × 8 kernel below reads both from L1/L2 cache with plain
// vector loads. Any strides: a transposed operand is just another pair of strides, so no transpose is ever
// materialized. It beats XNNPACK (tfjs-wasm 4.22) on the MNIST DCGAN's products: see bench/RESULTS.md.

/** Inner indices per packed block. */
export const KC = 256;
/** Columns of B per packed block. */
export const NC = 256;

/**
 * Bytes left free after each packed panel of A and of B. Packing writes one row of the source into every panel of
 * the block in turn; with no gap the panels lie a power of two apart (4 KiB for A's at KC = 256, 8 KiB for B's), so
 * all those writes fall into one set of the L1 cache and evict each other. A cache line between panels spreads them.
 */
export interface PanelGaps {
  /** Bytes after each panel of A: a multiple of 16 (the panels' vectors stay aligned). */
  a: number;
  /** Bytes after each panel of B: a multiple of 16. */
  b: number;
}
export const panelGaps: Readonly<PanelGaps> = Object.freeze({ a: 64, b: 64 });

const ceil4 = (n: number) => Math.ceil(n / 4) * 4;

/**
 * Rows of A packed at a time where all of B's columns fit in one packed block (`n ≤ NC`) and A's rows are not
 * adjacent in memory (its panels are packed through 4 × 4 transposes: `cols` in a convolution's forward product):
 * each chunk's panels are used while they are still in cache, instead of the whole of A being packed to memory and
 * read back from there. Measured on one thread (Zen 5): +2–5 % on such products; where A's rows are adjacent
 * (packed by plain copies), chunks cost 3–6 %, so A is packed whole there, as where `n > NC` (whose blocks of B all
 * read the same packed A).
 */
export const MC = 128;

/** Whether a product packs A chunk by chunk ({@link MC}); `rowStrideA` in bytes. */
function packsInChunks(n: number, rowStrideA: number, chunkRows: number): boolean {
  return chunkRows > 0 && n <= NC && rowStrideA !== 4;
}

/** Bytes of scratch one `gemm` call needs (packed A, packed B and an edge tile): `m` × `n`, A's rows `rowStrideA` apart. */
export function gemmScratchBytes(
  m: number,
  n: number,
  rowStrideA: number,
  gaps: Readonly<PanelGaps> = panelGaps,
  chunkRows = MC,
): number {
  const rows = packsInChunks(n, rowStrideA, chunkRows) ? Math.min(ceil4(m), chunkRows) : ceil4(m);
  return rows * KC * 4 + (rows / 4) * gaps.a + NC * KC * 4 + (NC / 8) * gaps.b + 128;
}

/** Each function's index in the module (its order in {@link gemmFunctions}), for `call`. */
const fn = {
  micro: 0,
  panel: 1,
  gemm: 2,
  packRows4: 3,
  packRows8: 4,
  im2colRows: 5,
  col2imRows: 6,
  packB: 7,
  im2colGemm: 8,
  gemmCol2im: 9,
  filterGradient: 10,
  adam: 11,
  adamBits: 12,
} as const;

/**
 * The parameters the fused convolution functions share with `im2colRows` / `col2imRows` (wasm/im2col-generator.ts),
 * which they pass on: the image (or dx), the unrolled rows, the pixel range, then the geometry.
 */
const tap = {
  ...{ image: 0, cols: 1, first: 2, count: 3, inH: 4, inW: 5, runBytes: 6, outH: 7, outW: 8 },
  ...{ fh: 9, fw: 10, sh: 11, sw: 12, dh: 13, dw: 14, padTop: 15, padLeft: 16 },
} as const;
const tapParams = 17;
/** `inH … padLeft`, in the order `im2colRows` takes them after its pixel range. */
const tapGeometry: Code = Object.values(tap).slice(4).map(get);

/** `min(x, y)` of two unsigned i32 locals. */
const minOf = (x: Code, y: Code): Code => [x, y, x, y, ltU32, selectI32];

/** `for (local = 0; local < limit; local += step) body`, `limit` any i32 code. */
function forUp(local: number, limit: Code, step: number, body: Code): Code {
  return forRange(local, constI32(0), limit, step, body);
}

/** `for (local = start; local < limit; local += step) body`, `step` a constant or any i32 code. */
function forRange(local: number, start: Code, limit: Code, step: number | Code, body: Code): Code {
  return [
    start,
    set(local),
    block,
    loop,
    [get(local), limit, ltU32, eqz, brIf(1)],
    body,
    [get(local), typeof step === 'number' ? constI32(step) : step, addI32, set(local)],
    br(0),
    end,
    end,
  ];
}

/**
 * `micro(ap, bp, kc, c, ldc, accumulate)`: the 4 × 8 tile at `c` (rows `ldc` bytes apart) becomes (or, when
 * `accumulate` ≠ 0, gains) Σₖ Aₚ[k, 0‥3]ᵀ · Bₚ[k, 0‥7] over `kc` steps of the packed panels at `ap` (4 values a
 * step) and `bp` (8 values a step). Eight accumulators, two B vectors and a broadcast A value stay in registers.
 */
function microFunction(fused: boolean): FunctionDef {
  const [ap, bp, kc, c, ldc, accumulate] = [0, 1, 2, 3, 4, 5];
  const [kEnd, row] = [6, 7];
  const acc = (r: number, h: number) => 8 + 2 * r + h;
  const [b0, b1, a] = [16, 17, 18];
  const rows = [0, 1, 2, 3];
  const halves = [0, 1];
  return {
    name: 'micro',
    params: [i32, i32, i32, i32, i32, i32],
    locals: [
      [2, i32],
      [11, v128],
    ],
    body: [
      rows.map((r) => halves.map((h) => [zeroVector, set(acc(r, h))])),
      [get(ap), get(kc), constI32(16), mulI32, addI32, set(kEnd)],
      block,
      loop,
      [get(ap), get(kEnd), ltU32, eqz, brIf(1)],
      [get(bp), loadAt(0), set(b0), get(bp), loadAt(16), set(b1)],
      rows.map((r) => [
        [get(ap), loadSplatAt(4 * r), set(a)],
        halves.map((h) =>
          fused
            ? [get(a), get(h === 0 ? b0 : b1), get(acc(r, h)), relaxedMadd, set(acc(r, h))]
            : [get(acc(r, h)), get(a), get(h === 0 ? b0 : b1), mul, add, set(acc(r, h))],
        ),
      ]),
      [get(ap), constI32(16), addI32, set(ap), get(bp), constI32(32), addI32, set(bp)],
      br(0),
      end,
      end,
      [get(accumulate), ifThen, get(c), set(row)],
      rows.map((r) => [
        halves.map((h) => [get(acc(r, h)), get(row), loadAt(16 * h), add, set(acc(r, h))]),
        [get(row), get(ldc), addI32, set(row)],
      ]),
      end,
      [get(c), set(row)],
      rows.map((r) => [
        halves.map((h) => [get(row), get(acc(r, h)), storeAt(16 * h)]),
        [get(row), get(ldc), addI32, set(row)],
      ]),
    ],
  };
}

/**
 * `panel(src, laneStep, kStep, valid, kc, dst, lanes)`: packs `kc` steps of `lanes` (4 or 8) lanes, element
 * (lane l, step k) at byte `src + l·laneStep + k·kStep`, into `dst[k · lanes + l]`; lanes from `valid` on are 0.
 * Contiguous lanes copy whole vectors; contiguous steps (a transposed layout) go through 4 × 4 register
 * transposes; anything else, and the steps left over, value by value.
 */
function panelFunction(): FunctionDef {
  const [src, laneStep, kStep, valid, kc, dst, lanes] = [0, 1, 2, 3, 4, 5, 6];
  const [k, l, p, g] = [7, 8, 9, 10];
  const [v0, v1, v2, v3, t0, t1, t2, t3] = [11, 12, 13, 14, 15, 16, 17, 18];
  const v = [v0, v1, v2, v3];
  const lanesBytes: Code = [get(lanes), constI32(4), mulI32];
  // The 4 × 4 block of lanes g‥g+3 at steps k‥k+3: lane rows loaded, transposed into step rows.
  const transposeBlock: Code = [
    [get(src), get(g), get(laneStep), mulI32, addI32, get(k), constI32(4), mulI32, addI32, set(p)],
    v.map((vi, i) => [get(p), loadAt(0), set(vi), ...(i < 3 ? [get(p), get(laneStep), addI32, set(p)] : [])]),
    [get(v0), get(v1), shuffleLanes([0, 4, 1, 5]), set(t0), get(v0), get(v1), shuffleLanes([2, 6, 3, 7]), set(t1)],
    [get(v2), get(v3), shuffleLanes([0, 4, 1, 5]), set(t2), get(v2), get(v3), shuffleLanes([2, 6, 3, 7]), set(t3)],
    // step k + q of lanes g‥g+3 goes to dst + (q · lanes + g) · 4
    [get(dst), get(g), constI32(4), mulI32, addI32, set(p)],
    [get(p), get(t0), get(t2), shuffleLanes([0, 1, 4, 5]), storeAt(0), get(p), lanesBytes, addI32, set(p)],
    [get(p), get(t0), get(t2), shuffleLanes([2, 3, 6, 7]), storeAt(0), get(p), lanesBytes, addI32, set(p)],
    [get(p), get(t1), get(t3), shuffleLanes([0, 1, 4, 5]), storeAt(0), get(p), lanesBytes, addI32, set(p)],
    [get(p), get(t1), get(t3), shuffleLanes([2, 3, 6, 7]), storeAt(0)],
  ];
  return {
    name: 'panel',
    params: [i32, i32, i32, i32, i32, i32, i32],
    locals: [
      [4, i32],
      [8, v128],
    ],
    body: [
      constI32(0),
      set(k),
      [get(valid), get(lanes), eqI32, ifThen],
      [get(laneStep), constI32(4), eqI32, ifThen],
      // contiguous lanes: one or two vectors a step
      block,
      loop,
      [get(k), get(kc), ltU32, eqz, brIf(1)],
      [get(src), get(k), get(kStep), mulI32, addI32, set(p)],
      [get(dst), get(p), loadAt(0), storeAt(0)],
      [get(lanes), constI32(8), eqI32, ifThen, get(dst), get(p), loadAt(16), storeAt(16), end],
      [get(dst), lanesBytes, addI32, set(dst), get(k), constI32(1), addI32, set(k)],
      br(0),
      end,
      end,
      elseBranch,
      [get(kStep), constI32(4), eqI32, ifThen],
      // contiguous steps: 4 × 4 transposes, four steps at a time
      block,
      loop,
      [get(k), constI32(4), addI32, get(kc), gtU32, brIf(1)],
      forUp(g, get(lanes), 4, transposeBlock),
      [get(dst), lanesBytes, constI32(4), mulI32, addI32, set(dst), get(k), constI32(4), addI32, set(k)],
      br(0),
      end,
      end,
      end,
      end,
      end,
      // value by value: the general case and the steps left over
      block,
      loop,
      [get(k), get(kc), ltU32, eqz, brIf(1)],
      forUp(l, get(lanes), 1, [
        get(dst),
        [get(l), get(valid), ltU32, ifF32],
        [get(src), get(l), get(laneStep), mulI32, addI32, get(k), get(kStep), mulI32, addI32, loadF32At(0)],
        elseBranch,
        constF32Zero,
        end,
        storeF32At(0),
        [get(dst), constI32(4), addI32, set(dst)],
      ]),
      [get(k), constI32(1), addI32, set(k)],
      br(0),
      end,
      end,
    ],
  };
}

/**
 * `packRows{lanes}(src, kStep, kc, panels, dst, panelStride)`: the contiguous-lanes case of `panel` for `panels`
 * whole panels side by side, walking each source row (step k) once from left to right: lanes `4p‥4p+3` (or 8) of
 * step k go to `dst + p · panelStride + k · lanes · 4`. Reading row by row keeps the source sequential: panel by
 * panel, a row stride that is a power of two (a 1024-wide B) maps every step of a panel to the same cache set.
 */
function packRowsFunction(lanes: 4 | 8): FunctionDef {
  const [src, kStep, kc, panels, dst, panelStride] = [0, 1, 2, 3, 4, 5];
  const [k, s, d, sEnd] = [6, 7, 8, 9];
  return {
    name: `packRows${lanes}`,
    params: [i32, i32, i32, i32, i32, i32],
    locals: [[4, i32]],
    body: forUp(k, get(kc), 1, [
      [
        get(src),
        get(k),
        get(kStep),
        mulI32,
        addI32,
        tee(s),
        get(panels),
        constI32(lanes * 4),
        mulI32,
        addI32,
        set(sEnd),
      ],
      [get(dst), get(k), constI32(lanes * 4), mulI32, addI32, set(d)],
      block,
      loop,
      [get(s), get(sEnd), ltU32, eqz, brIf(1)],
      [get(d), get(s), loadAt(0), storeAt(0)],
      lanes === 8 ? [get(d), get(s), loadAt(16), storeAt(16)] : [],
      [get(s), constI32(lanes * 4), addI32, set(s), get(d), get(panelStride), addI32, set(d)],
      br(0),
      end,
      end,
    ]),
  };
}

/**
 * `gemm(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, scratch, accumulate, packedB)`: `C[m, n] = A[m, k] · B[k, n]`
 * (`+=` when `accumulate` ≠ 0), with element (i, j) of A at byte `a + i·rsA + j·csA`, of B at `b + i·rsB + j·csB`, of
 * C at `c + i·ldc + 4j`; `scratch` holds {@link gemmScratchBytes}`(m, n, rsA)` bytes, 16-byte aligned. Where
 * `packedB` ≠ 0, B is read from there, as `packB` (same arguments) left it, instead of being packed block by block:
 * products that share one B (a convolution's chunks of pixels, on every thread) pack it once.
 */
function gemmFunction(gaps: Readonly<PanelGaps>, chunkRows: number): [gemm: FunctionDef, packB: FunctionDef] {
  if (gaps.a % 16 !== 0 || gaps.b % 16 !== 0 || gaps.a < 0 || gaps.b < 0) {
    throw new Error(`panel gaps must be multiples of 16 bytes, got ${gaps.a} and ${gaps.b}`);
  }
  if (chunkRows % 4 !== 0 || chunkRows < 0)
    throw new Error(`chunks of A must be a multiple of 4 rows, got ${chunkRows}`);
  const [m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, scratch, accumulate, packedB] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
  ];
  const [ap, bp, tile, pc, kc, jc, nc, i, j, acc, r, col, rows, cols, q] = [
    14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
  ];
  const { micro, panel, packRows4, packRows8 } = fn;
  const [wholeA, wholeB, ic, icEnd, aBase, chunked] = [29, 30, 31, 32, 33, 34];
  const times = (x: Code, y: Code): Code => [x, y, mulI32];
  const plus = (...terms: Code[]): Code => [terms[0]!, ...terms.slice(1).map((t) => [t, addI32])];
  // Panel p of A starts p panels of kc steps and p gaps in (i = aBase + 4p), panel q of B likewise (j = 8q).
  const aPanel: Code = plus(
    get(ap),
    times([get(i), get(aBase), subI32], plus(times(get(kc), constI32(4)), constI32(gaps.a / 4))),
  );
  // Rows `ic‥icEnd` of A's block `pc` packed from panel 0 on (aBase = ic): whole panels row by row where its lanes
  // (rows) are adjacent, the rest panel by panel.
  const packA: Code = [
    [get(ic), set(aBase)],
    [get(rsA), constI32(4), eqI32, ifThen],
    [get(ic), get(icEnd), get(ic), subI32, constI32(-4), andI32, addI32, set(wholeA)],
    [plus(get(a), times(get(ic), get(rsA)), times(get(pc), get(csA))), get(csA), get(kc)],
    [get(wholeA), get(ic), subI32, constI32(2), shrU32],
    [get(ap), get(kc), constI32(16), mulI32, constI32(gaps.a), addI32, call(packRows4)],
    elseBranch,
    [get(ic), set(wholeA)],
    end,
    forRange(i, get(wholeA), get(icEnd), 4, [
      plus(get(a), times(get(i), get(rsA)), times(get(pc), get(csA))),
      [get(rsA), get(csA), minOf(constI32(4), [get(m), get(i), subI32]), get(kc), aPanel, constI32(4), call(panel)],
    ]),
  ];
  const bPanel: Code = plus(get(bp), times(get(j), plus(times(get(kc), constI32(4)), constI32(gaps.b / 8))));
  const edgeTile: Code = [
    [aPanel, bPanel, get(kc), get(tile), constI32(32), constI32(0), call(micro)],
    [minOf(constI32(4), [get(m), get(i), subI32]), set(rows), minOf(constI32(8), [get(nc), get(j), subI32]), set(cols)],
    forUp(r, get(rows), 1, [
      forUp(col, get(cols), 1, [
        plus(get(c), times(plus(get(i), get(r)), get(ldc)), times(plus(get(jc), get(j), get(col)), constI32(4))),
        set(q),
        get(q),
        [get(acc), ifF32, get(q), loadF32At(0), elseBranch, constF32Zero, end],
        plus(get(tile), times(plus(times(get(r), constI32(8)), get(col)), constI32(4))),
        loadF32At(0),
        addF32,
        storeF32At(0),
      ]),
    ]),
  ];
  // Block (pc, jc) of B: panels 8 columns wide, whole panels row by row where its columns are adjacent, the rest
  // panel by panel.
  const packBBlock: Code = [
    [get(csB), constI32(4), eqI32, ifThen],
    [get(nc), constI32(-8), andI32, set(wholeB)],
    [plus(get(b), times(get(pc), get(rsB)), times(get(jc), constI32(4))), get(rsB), get(kc)],
    [get(wholeB), constI32(3), shrU32, get(bp), get(kc), constI32(32), mulI32, constI32(gaps.b), addI32],
    call(packRows8),
    elseBranch,
    [constI32(0), set(wholeB)],
    end,
    forRange(j, get(wholeB), get(nc), 8, [
      plus(get(b), times(get(pc), get(rsB)), times(plus(get(jc), get(j)), get(csB))),
      [get(csB), get(rsB), minOf(constI32(8), [get(nc), get(j), subI32]), get(kc), bPanel, constI32(8), call(panel)],
    ]),
  ];
  // Where block (pc, jc) starts in a B packed whole by `packB` (see packedBBytes).
  const prepackedBlock: Code = plus(
    get(packedB),
    times(
      plus(times([get(pc), constI32(KC), divU32], [get(n), constI32(7), addI32, constI32(3), shrU32]), [
        get(jc),
        constI32(3),
        shrU32,
      ]),
      constI32(KC * 32 + gaps.b),
    ),
  );
  const params = Array.from({ length: 14 }, () => i32);
  const packB: FunctionDef = {
    name: 'packB',
    params,
    locals: [[21, i32]],
    body: forUp(pc, get(k), KC, [
      [minOf(constI32(KC), [get(k), get(pc), subI32]), set(kc)],
      forUp(jc, get(n), NC, [
        [minOf(constI32(NC), [get(n), get(jc), subI32]), set(nc)],
        [prepackedBlock, set(bp), packBBlock],
      ]),
    ]),
  };
  const gemm: FunctionDef = {
    name: 'gemm',
    params,
    locals: [[21, i32]],
    body: [
      [get(scratch), set(ap)],
      // chunked: A is packed `chunkRows` rows at a time, just before their tiles (see packsInChunks)
      [constI32(chunkRows), constI32(0), gtU32, get(n), constI32(NC + 1), ltU32, andI32],
      [get(rsA), constI32(4), eqI32, eqz, andI32, set(chunked)],
      [plus(get(m), constI32(3)), constI32(-4), andI32, set(q)],
      [get(chunked), ifThen, minOf(get(q), constI32(chunkRows)), set(q), end],
      [get(scratch), get(q), constI32(KC * 4 + gaps.a / 4), mulI32, addI32],
      set(bp),
      [get(bp), constI32(NC * (KC * 4 + gaps.b / 8)), addI32, set(tile)],
      forUp(pc, get(k), KC, [
        [minOf(constI32(KC), [get(k), get(pc), subI32]), set(kc)],
        [get(accumulate), get(pc), constI32(0), gtU32, orI32, set(acc)],
        // A whole, once for all blocks of B, unless it is packed chunk by chunk below
        [get(chunked), eqz, ifThen, constI32(0), set(ic), get(m), set(icEnd), packA, end],
        forUp(jc, get(n), NC, [
          [minOf(constI32(NC), [get(n), get(jc), subI32]), set(nc)],
          [get(packedB), ifThen, prepackedBlock, set(bp), elseBranch, packBBlock, end],
          forUp(ic, get(m), chunkRows > 0 ? chunkRows : 1 << 30, [
            [minOf(get(m), plus(get(ic), constI32(chunkRows > 0 ? chunkRows : 1 << 30))), set(icEnd)],
            [get(chunked), ifThen, packA, end],
            forRange(i, get(ic), get(icEnd), 4, [
              forUp(j, get(nc), 8, [
                [plus(get(i), constI32(4)), get(m), gtU32, plus(get(j), constI32(8)), get(nc), gtU32, orI32, eqz],
                ifThen,
                [aPanel, bPanel, get(kc)],
                plus(get(c), times(get(i), get(ldc)), times(plus(get(jc), get(j)), constI32(4))),
                [get(ldc), get(acc), call(micro)],
                elseBranch,
                edgeTile,
                end,
              ]),
            ]),
          ]),
        ]),
      ]),
    ],
  };
  return [gemm, packB];
}

/**
 * `adamBits(w, g, m, v, wOut, mOut, vOut, count, …constants)`: `adam` (wasm/simd.ts) with its seven float32
 * constants given as their bits in i32s, the only kind of argument the worker threads pass on.
 */
function adamBitsFunction(): FunctionDef {
  return {
    name: 'adamBits',
    params: Array.from({ length: 15 }, () => i32),
    locals: [],
    body: [
      Array.from({ length: 8 }, (_, i) => get(i)),
      Array.from({ length: 7 }, (_, i) => [get(8 + i), reinterpretI32AsF32]),
      call(fn.adam),
    ],
  };
}

/**
 * The functions of the product module, in call-index order: micro 0, panel 1, gemm 2, packRows4 3, packRows8 4,
 * im2colRows 5 and col2imRows 6 (wasm/im2col-generator.ts), packB 7, im2colGemm 8, gemmCol2im 9, filterGradient
 * 10, adam 11 (wasm/simd.ts) and adamBits 12; its workers run all but packB and adam. `fused`: multiply-add with
 * relaxed SIMD's `f32x4.relaxed_madd` (one FMA instruction where the CPU has them, faster than a separate multiply
 * and add, and one rounding instead of two).
 */
export function gemmFunctions(fused: boolean, gaps: Readonly<PanelGaps> = panelGaps, chunkRows = MC): FunctionDef[] {
  const [gemm, packB] = gemmFunction(gaps, chunkRows);
  const functions = [
    microFunction(fused),
    panelFunction(),
    gemm,
    packRowsFunction(4),
    packRowsFunction(8),
    im2colFunction(),
    col2imFunction(),
    packB,
    im2colGemmFunction(),
    gemmCol2imFunction(),
    filterGradientFunction(),
    adamFunction(),
    adamBitsFunction(),
  ];
  // every function where `fn` (the calls' indices) says it is
  if (functions.some((f, i) => fn[f.name as keyof typeof fn] !== i)) throw new Error('gemmFunctions: out of order');
  return functions;
}

/** Bytes of a B of `k` × `n` packed whole by `packB`: blocks of {@link KC} steps, each its panels of 8 columns. */
export function packedBBytes(n: number, k: number, gaps: Readonly<PanelGaps> = panelGaps): number {
  return Math.ceil(k / KC) * Math.ceil(n / 8) * (KC * 32 + gaps.b);
}

/**
 * `im2colGemm(x, cols, first, count, inH, inW, runBytes, outH, outW, fh, fw, sh, sw, dh, dw, padTop, padLeft, n,
 * packedB, c, ldc, scratch, chunk)`: a convolution's forward product for output pixels `first … first + count − 1`,
 * `chunk` pixels at a time: each chunk unrolled by `im2colRows` into `cols` (room for `chunk` rows of taps), then
 * multiplied by the filter that `packB` packed at `packedB` (`n` output channels) into rows `c + (pixel − first)·ldc`.
 * A chunk's `cols` is still in cache when it is packed, so the unrolled image never goes to memory and back.
 * `scratch`: {@link gemmScratchBytes}`(chunk, n, rowBytes)`.
 */
function im2colGemmFunction(): FunctionDef {
  const { image, cols, first, count, runBytes, fh, fw } = tap;
  const [n, packedB, c, ldc, scratch, chunk] = [17, 18, 19, 20, 21, 22];
  const [pixel, last, rows, rowBytes] = [23, 24, 25, 26];
  return {
    name: 'im2colGemm',
    params: Array.from({ length: tapParams + 6 }, () => i32),
    locals: [[4, i32]],
    body: [
      [get(first), get(count), addI32, set(last)],
      [get(fh), get(fw), mulI32, get(runBytes), mulI32, set(rowBytes)],
      forRange(pixel, get(first), get(last), get(chunk), [
        [minOf(get(chunk), [get(last), get(pixel), subI32]), set(rows)],
        [get(image), get(cols), get(pixel), get(rows), tapGeometry, call(fn.im2colRows)],
        [get(rows), get(n), get(rowBytes), constI32(2), shrU32, get(cols), get(rowBytes), constI32(4)],
        [constI32(0), constI32(0), constI32(0)],
        [get(c), get(pixel), get(first), subI32, get(ldc), mulI32, addI32, get(ldc), get(scratch), constI32(0)],
        [get(packedB), call(fn.gemm)],
      ]),
    ],
  };
}

/**
 * `gemmCol2im(dx, cols, first, count, inH, inW, runBytes, outH, outW, fh, fw, sh, sw, dh, dw, padTop, padLeft, dy,
 * k, packedB, scratch, chunk)`: a convolution's input gradient for the whole images of output pixels `first … first +
 * count − 1`: their part of `dx` zeroed, then `chunk` pixels at a time, `cols = dy · Wᵀ` for the chunk (`dy` rows of
 * `k` output channels from pixel 0 at `dy`, Wᵀ as `packB` packed it at `packedB`) into `cols` (room for `chunk` rows
 * of taps), added into `dx` by `col2imRows` while it is still in cache. The same sums in the same order as the
 * product of all pixels, then `col2imRows` over them. `scratch`: {@link gemmScratchBytes}`(chunk, taps, k · 4)`.
 */
function gemmCol2imFunction(): FunctionDef {
  const { image: dx, cols, first, count, inH, inW, runBytes, outH, outW, fh, fw } = tap;
  const [dy, k, packedB, scratch, chunk] = [17, 18, 19, 20, 21];
  const [pixel, last, rows, rowBytes, imageBytes, from, bytes] = [22, 23, 24, 25, 26, 27, 28];
  const zeroScratch: [number, number, number] = [29, 30, 31];
  const perImage: Code = [get(outH), get(outW), mulI32];
  return {
    name: 'gemmCol2im',
    params: Array.from({ length: tapParams + 5 }, () => i32),
    locals: [[10, i32]],
    body: [
      [get(first), get(count), addI32, set(last)],
      [get(fh), get(fw), mulI32, get(runBytes), mulI32, set(rowBytes)],
      // this job's images of dx start at 0
      [get(inH), get(inW), mulI32, get(runBytes), mulI32, set(imageBytes)],
      [get(dx), get(first), perImage, divU32, get(imageBytes), mulI32, addI32, set(from)],
      [get(count), perImage, divU32, get(imageBytes), mulI32, set(bytes)],
      runLoop(null, from, bytes, zeroScratch, false),
      forRange(pixel, get(first), get(last), get(chunk), [
        [minOf(get(chunk), [get(last), get(pixel), subI32]), set(rows)],
        [get(rows), get(rowBytes), constI32(2), shrU32, get(k)],
        [get(dy), get(pixel), get(k), mulI32, constI32(4), mulI32, addI32, get(k), constI32(4), mulI32, constI32(4)],
        [constI32(0), constI32(0), constI32(0)],
        [get(cols), get(rowBytes), get(scratch), constI32(0), get(packedB), call(fn.gemm)],
        [get(dx), get(cols), get(pixel), get(rows), tapGeometry, call(fn.col2imRows)],
      ]),
    ],
  };
}

/**
 * `filterGradient(x, cols, first, count, inH, inW, runBytes, outH, outW, fh, fw, sh, sw, dh, dw, padTop, padLeft, dy,
 * n, dW, row, rows, scratch, packedB)`: the rows `row … row + rows − 1` of a filter's gradient `dW = colsᵀ · dy`
 * (`[fh, fw, channels, n]`, each filter row `fw · channels` rows of dW), over output pixels `first … first + count −
 * 1`, {@link KC} pixels at a time: their `dy` packed (`packB`, into `packedB`), then, filter row by filter row, their
 * taps of that row unrolled into `cols` (`im2colRows` with one filter row: room for KC × fw · channels values) and
 * multiplied into the row's part of dW while they are in cache. Each value of dW gets the same sums in the same
 * order (blocks of KC pixels) as the product over all of `cols`. `scratch`: {@link gemmScratchBytes}`(fw · channels,
 * n, 4)`; `packedB`: {@link packedBBytes}`(n, KC)`.
 */
function filterGradientFunction(): FunctionDef {
  // fh is not read: the filter rows to do are `row … row + rows − 1`
  const { image, cols, first, count, inH, inW, runBytes, outH, outW, fw, sh, sw, dh, dw, padTop, padLeft } = tap;
  const [dy, n, dW, row, rows, scratch, packedB] = [17, 18, 19, 20, 21, 22, 23];
  const [pc, last, kc, r, rowTaps] = [24, 25, 26, 27, 28];
  const { gemm, im2colRows, packB } = fn;
  return {
    name: 'filterGradient',
    params: Array.from({ length: tapParams + 7 }, () => i32),
    locals: [[5, i32]],
    body: [
      [get(first), get(count), addI32, set(last)],
      [get(fw), get(runBytes), mulI32, constI32(2), shrU32, set(rowTaps)],
      forRange(pc, get(first), get(last), KC, [
        [minOf(constI32(KC), [get(last), get(pc), subI32]), set(kc)],
        // dy's rows pc … pc + kc − 1, packed once for all the filter rows
        [constI32(0), get(n), get(kc), constI32(0), constI32(0), constI32(0)],
        [get(dy), get(pc), get(n), mulI32, constI32(4), mulI32, addI32, get(n), constI32(4), mulI32, constI32(4)],
        [constI32(0), constI32(0), constI32(0), constI32(0), get(packedB), call(packB)],
        forRange(r, get(row), [get(row), get(rows), addI32], 1, [
          // filter row r alone: the image rows it reads start r · dh lower
          [get(image), get(cols), get(pc), get(kc), get(inH), get(inW), get(runBytes), get(outH), get(outW)],
          [constI32(1), get(fw), get(sh), get(sw), get(dh), get(dw)],
          [get(padTop), get(r), get(dh), mulI32, subI32, get(padLeft), call(im2colRows)],
          // dW[r · rowTaps …] (+)= colsᵀ · dy, cols read transposed through its strides
          [get(rowTaps), get(n), get(kc), get(cols), constI32(4), get(rowTaps), constI32(4), mulI32],
          [constI32(0), constI32(0), constI32(0)],
          [
            get(dW),
            get(r),
            get(rowTaps),
            mulI32,
            get(n),
            mulI32,
            constI32(4),
            mulI32,
            addI32,
            get(n),
            constI32(4),
            mulI32,
          ],
          [get(scratch), get(pc), get(first), gtU32, get(packedB), call(gemm)],
        ]),
      ]),
    ],
  };
}

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
import { col2imFunction, im2colFunction } from './im2col-generator.js';

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

/** Bytes of scratch one `gemm` call over `m` rows needs (packed A, packed B and an edge tile). */
export function gemmScratchBytes(m: number, gaps: Readonly<PanelGaps> = panelGaps): number {
  return ceil4(m) * KC * 4 + (ceil4(m) / 4) * gaps.a + NC * KC * 4 + (NC / 8) * gaps.b + 128;
}

/** `min(x, y)` of two unsigned i32 locals. */
const minOf = (x: Code, y: Code): Code => [x, y, x, y, ltU32, selectI32];

/** `for (local = 0; local < limit; local += step) body`, `limit` any i32 code. */
function forUp(local: number, limit: Code, step: number, body: Code): Code {
  return forRange(local, constI32(0), limit, step, body);
}

/** `for (local = start; local < limit; local += step) body`. */
function forRange(local: number, start: Code, limit: Code, step: number, body: Code): Code {
  return [
    start,
    set(local),
    block,
    loop,
    [get(local), limit, ltU32, eqz, brIf(1)],
    body,
    [get(local), constI32(step), addI32, set(local)],
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
 * `gemm(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, scratch, accumulate)`: `C[m, n] = A[m, k] · B[k, n]` (`+=` when
 * `accumulate` ≠ 0), with element (i, j) of A at byte `a + i·rsA + j·csA`, of B at `b + i·rsB + j·csB`, of C at
 * `c + i·ldc + 4j`; `scratch` holds {@link gemmScratchBytes}`(m)` bytes, 16-byte aligned.
 */
function gemmFunction(gaps: Readonly<PanelGaps>): FunctionDef {
  if (gaps.a % 16 !== 0 || gaps.b % 16 !== 0 || gaps.a < 0 || gaps.b < 0) {
    throw new Error(`panel gaps must be multiples of 16 bytes, got ${gaps.a} and ${gaps.b}`);
  }
  const [m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, scratch, accumulate] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const [ap, bp, tile, pc, kc, jc, nc, i, j, acc, r, col, rows, cols, q] = [
    13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
  ];
  const [micro, panel, packRows4, packRows8] = [0, 1, 3, 4];
  const [wholeA, wholeB] = [28, 29];
  const times = (x: Code, y: Code): Code => [x, y, mulI32];
  const plus = (...terms: Code[]): Code => [terms[0]!, ...terms.slice(1).map((t) => [t, addI32])];
  // Panel p of A starts p panels of kc steps and p gaps in (i = 4p), panel q of B likewise (j = 8q).
  const aPanel: Code = plus(get(ap), times(get(i), plus(times(get(kc), constI32(4)), constI32(gaps.a / 4))));
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
  return {
    name: 'gemm',
    params: [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32],
    locals: [[17, i32]],
    body: [
      [get(scratch), set(ap)],
      [get(scratch), plus(get(m), constI32(3)), constI32(-4), andI32, constI32(KC * 4 + gaps.a / 4), mulI32, addI32],
      set(bp),
      [get(bp), constI32(NC * (KC * 4 + gaps.b / 8)), addI32, set(tile)],
      forUp(pc, get(k), KC, [
        [minOf(constI32(KC), [get(k), get(pc), subI32]), set(kc)],
        [get(accumulate), get(pc), constI32(0), gtU32, orI32, set(acc)],
        // A: whole panels row by row where its lanes (rows) are adjacent, the rest panel by panel
        [get(rsA), constI32(4), eqI32, ifThen],
        [get(m), constI32(-4), andI32, set(wholeA)],
        [plus(get(a), times(get(pc), get(csA))), get(csA), get(kc), get(wholeA), constI32(2), shrU32],
        [get(ap), get(kc), constI32(16), mulI32, constI32(gaps.a), addI32, call(packRows4)],
        elseBranch,
        [constI32(0), set(wholeA)],
        end,
        forRange(i, get(wholeA), get(m), 4, [
          plus(get(a), times(get(i), get(rsA)), times(get(pc), get(csA))),
          [get(rsA), get(csA), minOf(constI32(4), [get(m), get(i), subI32]), get(kc), aPanel, constI32(4), call(panel)],
        ]),
        forUp(jc, get(n), NC, [
          [minOf(constI32(NC), [get(n), get(jc), subI32]), set(nc)],
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
            [
              get(csB),
              get(rsB),
              minOf(constI32(8), [get(nc), get(j), subI32]),
              get(kc),
              bPanel,
              constI32(8),
              call(panel),
            ],
          ]),
          forUp(i, get(m), 4, [
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
    ],
  };
}

/**
 * The functions of the product module, in call-index order (micro 0, panel 1, gemm 2, packRows4 3, packRows8 4), then
 * im2colRows and col2imRows (wasm/im2col-generator.ts), which its workers also run. `fused`: multiply-add with
 * relaxed SIMD's `f32x4.relaxed_madd` (one FMA instruction where the CPU has them, faster than a separate multiply
 * and add, and one rounding instead of two).
 */
export function gemmFunctions(fused: boolean, gaps: Readonly<PanelGaps> = panelGaps): FunctionDef[] {
  return [
    microFunction(fused),
    panelFunction(),
    gemmFunction(gaps),
    packRowsFunction(4),
    packRowsFunction(8),
    im2colFunction(),
    col2imFunction(),
  ];
}

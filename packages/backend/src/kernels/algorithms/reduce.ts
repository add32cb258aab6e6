/**
 * `target[c] = scale · Σ_r source[r · columns + c]`: the sum (or, with `scale = 1/rows`, the mean)
 * over the leading axes of a tensor viewed as `[rows, columns]`. Rows are added whole, in float64,
 * so the read is one forward pass (the stock wasm kernels first transpose the reduced axes to the
 * end).
 */
export function reduceLeadingAxes(
  source: Float32Array,
  rows: number,
  columns: number,
  scale: number,
  target: Float32Array,
): void {
  const sums = new Float64Array(columns);
  for (let r = 0; r < rows; r++) {
    const offset = r * columns;
    for (let c = 0; c < columns; c++) sums[c] += source[offset + c];
  }
  for (let c = 0; c < columns; c++) target[c] = sums[c] * scale;
}

/**
 * How many leading axes `axes` covers, or `-1` unless `axes` (already normalized to
 * non-negative) is exactly `0, 1, …, k − 1` for some `0 < k < rank`.
 */
export function leadingAxesCount(axes: readonly number[], rank: number): number {
  const sorted = [...axes].sort((a, b) => a - b);
  const isLeading = sorted.every((axis, i) => axis === i);
  return isLeading && sorted.length > 0 && sorted.length < rank ? sorted.length : -1;
}

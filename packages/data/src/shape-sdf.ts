/**
 * Signed distance functions of the 2-D shapes drawn by `shapes()`: negative inside, positive outside,
 * in the units of the point. The shapes are centred on the origin; y points up.
 */

/** Disk of radius `radius`. */
export function circleDistance(x: number, y: number, radius: number): number {
  return Math.hypot(x, y) - radius;
}

/** Annulus: the circle of radius `radius` drawn with half-thickness `halfThickness`. */
export function ringDistance(x: number, y: number, radius: number, halfThickness: number): number {
  return Math.abs(Math.hypot(x, y) - radius) - halfThickness;
}

/** Axis-aligned rectangle with half-extents `halfWidth` × `halfHeight`. */
export function boxDistance(x: number, y: number, halfWidth: number, halfHeight: number): number {
  const qx = Math.abs(x) - halfWidth;
  const qy = Math.abs(y) - halfHeight;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0);
}

/** Plus sign: two crossed bars of half-length `arm` and half-thickness `halfThickness`. */
export function crossDistance(x: number, y: number, arm: number, halfThickness: number): number {
  return Math.min(boxDistance(x, y, arm, halfThickness), boxDistance(x, y, halfThickness, arm));
}

/**
 * Equilateral triangle with half side `halfSide`, centroid at the origin, one vertex up
 * (after Inigo Quilez, "2D distance functions").
 */
export function triangleDistance(x: number, y: number, halfSide: number): number {
  const k = Math.sqrt(3);
  let px = Math.abs(x) - halfSide;
  let py = y + halfSide / k;
  if (px + k * py > 0) {
    const nx = (px - k * py) / 2;
    const ny = (-k * px - py) / 2;
    px = nx;
    py = ny;
  }
  px -= Math.min(Math.max(px, -2 * halfSide), 0);
  return -Math.hypot(px, py) * Math.sign(py);
}

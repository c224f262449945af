// Two-dimensional helpers.

export function wrap(value: number, size: number): number {
  return ((value % size) + size) % size;
}

export function length(x: number, y: number): number {
  return Math.sqrt(x * x + y * y);
}

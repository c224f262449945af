// The error a store throws for a bad handle, an unknown field, a missing value or an image that does not fit.

export class StoreError extends Error {
  override readonly name = 'StoreError';
}

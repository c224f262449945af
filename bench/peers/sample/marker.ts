// The leaf module the benchmark driver edits: it rewrites the string below on every edit.

export function marker(): string {
  return 'v0';
}

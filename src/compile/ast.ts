// A minimal, typed view of the ESTree nodes oxc-parser produces. We only read what we need and narrow
// with the helpers below instead of casting to `any`.

/** Any ESTree node: a type tag, UTF-16 offsets, and children under other keys. */
export interface AstNode {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly [key: string]: unknown;
}

/** True when `value` looks like an AST node. */
export function isNode(value: unknown): value is AstNode {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    typeof (value as { start?: unknown }).start === 'number'
  );
}

/** The child node under `key`, or undefined. */
export function child(node: AstNode, key: string): AstNode | undefined {
  const value = node[key];
  return isNode(value) ? value : undefined;
}

/** The child nodes under `key` (an array property), skipping holes. */
export function children(node: AstNode, key: string): AstNode[] {
  const value = node[key];
  return Array.isArray(value) ? value.filter(isNode) : [];
}

/** The string under `key`, or undefined. */
export function text(node: AstNode, key: string): string | undefined {
  const value = node[key];
  return typeof value === 'string' ? value : undefined;
}

/** Calls `visit` for every node below `root` (pre-order); `visit` returns false to skip a subtree. */
// biome-ignore lint/suspicious/noConfusingVoidType: a visitor that returns nothing visits every subtree
export function walk(root: AstNode, visit: (node: AstNode, parent: AstNode | null) => boolean | void): void {
  const stack: Array<[AstNode, AstNode | null]> = [[root, null]];
  while (stack.length > 0) {
    const [node, parent] = stack.pop()!;
    if (visit(node, parent) === false) continue;
    const kids: AstNode[] = [];
    for (const key of Object.keys(node)) {
      if (key === 'range') continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (const v of value) if (isNode(v)) kids.push(v);
      } else if (isNode(value)) kids.push(value);
    }
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, node]);
  }
}

/** The name of an Identifier node, or of a string Literal used as a module export name. */
export function nameOf(node: AstNode | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'Identifier') return text(node, 'name');
  if (node.type === 'Literal' && typeof node['value'] === 'string') return node['value'];
  return undefined;
}

/** True for nodes that start a new function body (deferred code). */
export function isFunctionNode(node: AstNode): boolean {
  return node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression';
}

// Where a closure sits: the text of its place, which names it across versions (closure-sites.ts), and
// the words a message uses for it. A place is read from the function outwards through the expressions
// around it, up to the statement, declaration or function that holds it:
//
//   app.get('/users', wrap(async () => ...))      get-call argument 1 > wrap-call argument 0
//   app.route({ url: '/stats', handler: ... })    app.route argument 0 > object {url} > .handler
//   const onData = (d) => ...                     =onData
//
// A call is named by its callee (with any function in it written `fn`, so a chained `.get()` after a
// closure does not carry that closure's body) and by the arguments that name things: strings,
// identifiers, member chains and object literals of those. Numbers and other expressions are left out,
// so `setInterval(() => ..., 10)` edited to `20` is the same place.

import { type AstNode, child, children, isFunctionNode, isNode, nameOf, text } from './ast.js';

/** Properties that identify the object they are in (a route, a command, an event), when it has any. */
const IDENTIFYING: ReadonlySet<string> = new Set([
  'name',
  'id',
  'key',
  'path',
  'url',
  'route',
  'method',
  'event',
  'type',
  'command',
  'pattern',
  'topic',
  'channel',
]);

/** A closure's place: `key` names it across versions, `label` in messages. */
export interface Place {
  readonly key: string;
  readonly label: string;
}

/** The source text of `node` with whitespace removed and every function in it written `fn`. */
export function shape(js: string, node: AstNode): string {
  let out = '';
  let at = node.start;
  const visit = (n: AstNode): void => {
    if (n !== node && isFunctionNode(n)) {
      out += `${js.slice(at, n.start)}fn`;
      at = n.end;
      return;
    }
    for (const key of Object.keys(n)) {
      if (key === 'range') continue;
      const v = n[key];
      const kids = (Array.isArray(v) ? v : [v]).filter(isNode).sort((a, b) => a.start - b.start);
      for (const k of kids) visit(k);
    }
  };
  visit(node);
  return (out + js.slice(at, node.end)).replace(/\s+/g, '');
}

/** How an argument or a property value names something, or '' when it does not. */
function nameText(js: string, node: AstNode): string {
  switch (node.type) {
    case 'Literal':
      return typeof node['value'] === 'string' ? JSON.stringify(node['value']) : '';
    case 'TemplateLiteral': {
      const quasis = children(node, 'quasis');
      const cooked = (child(quasis[0] ?? node, 'value') as { cooked?: unknown } | undefined)?.cooked;
      if (children(node, 'expressions').length === 0) return typeof cooked === 'string' ? JSON.stringify(cooked) : '';
      // `${prefix}/users`: as written (its expressions are names too, mostly).
      return shape(js, node);
    }
    case 'Identifier':
      return text(node, 'name') ?? '';
    case 'MemberExpression':
      return node['computed'] === true ? '' : shape(js, node);
    case 'ObjectExpression': {
      const pairs = children(node, 'properties').flatMap((p) => {
        const value = child(p, 'value');
        const v = p.type === 'Property' && value && !isFunctionNode(value) ? nameText(js, value) : '';
        return v === '' ? [] : [{ key: keyText(js, p), text: `${keyText(js, p)}: ${v}` }];
      });
      // `{ name: 'help', description: '...', run }`: named by what identifies it, so a new description is the same place.
      const ids = pairs.filter((p) => IDENTIFYING.has(p.key));
      const shown = ids.length > 0 ? ids : pairs;
      return shown.length === 0 ? '' : `{ ${shown.map((p) => p.text).join(', ')} }`;
    }
    default:
      return '';
  }
}

/** A property's or member's key as written: `name`, `"str"`, or `[expr]` for a computed one. */
export function keyText(js: string, node: AstNode): string {
  const key = child(node, 'key');
  if (!key) return '?';
  if (node['computed'] === true) return `[${shape(js, key)}]`;
  return key.type === 'PrivateIdentifier' ? `#${text(key, 'name') ?? ''}` : (nameOf(key) ?? shape(js, key));
}

/** `callee(names)`: how a place and a message name a call. */
function callText(js: string, call: AstNode): string {
  const names = children(call, 'arguments')
    .map((a) => nameText(js, a))
    .filter((t) => t !== '');
  return `${shape(js, child(call, 'callee')!)}(${names.join(', ')})`;
}

/** Nodes that hold code of their own: the walk out from a closure stops at them. */
const boundary = (n: AstNode): boolean => isFunctionNode(n) || /Statement$|Declaration$|^Program$|^StaticBlock$|^ClassBody$|^SwitchCase$/.test(n.type);

/**
 * The place of function `node`, given its ancestors (outermost first). Stops at the first node that
 * holds code of its own; a function with nothing named around it is `fn`.
 */
export function placeOf(js: string, node: AstNode, ancestors: readonly AstNode[]): Place {
  if (node.type === 'FunctionDeclaration') {
    const name = text(child(node, 'id') ?? node, 'name') ?? 'function';
    return { key: `function ${name}`, label: `${name}()` };
  }
  const parts: string[] = [];
  let label: string | null = null;
  let within: string | null = null;
  let objectNames: string | null = null;
  let inner: AstNode = node;
  const done = (part: string, name: string): Place => {
    if (part !== '') parts.push(part);
    return { key: parts.reverse().join(' '), label: describe(label ?? name, within ?? objectNames) };
  };
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const p = ancestors[i]!;
    switch (p.type) {
      case 'CallExpression':
      case 'NewExpression': {
        const at = children(p, 'arguments').indexOf(inner);
        if (at < 0) break; // inside the callee: `(() => ...).bind(x)`
        const call = callText(js, p);
        parts.push(`${call}[${at}]`);
        if (label === null) label = `the function passed to ${call}`;
        else within ??= call;
        break;
      }
      case 'Property':
        if (child(p, 'value') !== inner) return done('?', 'a function');
        parts.push(`.${keyText(js, p)}`);
        label ??= p['method'] === true ? `the method ${keyText(js, p)}` : keyText(js, p);
        break;
      case 'ObjectExpression': {
        const names = nameText(js, { ...p, properties: children(p, 'properties').filter((x) => child(x, 'value') !== inner) });
        parts.push(names || '{}');
        if (names && label !== null) objectNames ??= names;
        break;
      }
      case 'ArrayExpression':
        // An element that names itself (`{ name: 'help', run }`) is told apart by that, not by its index.
        parts.push(inner.type === 'ObjectExpression' && nameText(js, inner) !== '' ? '[]' : `[${children(p, 'elements').indexOf(inner)}]`);
        break;
      case 'ConditionalExpression':
        if (child(p, 'test') !== inner) parts.push(child(p, 'consequent') === inner ? '?' : ':');
        break;
      case 'VariableDeclarator': {
        const name = shape(js, child(p, 'id')!);
        return done(`=${name}`, name);
      }
      case 'AssignmentExpression': {
        const left = shape(js, child(p, 'left')!);
        return done(`${left}=`, left);
      }
      case 'AssignmentPattern':
        return done('default', 'a default value');
      case 'ReturnStatement':
        return done('return', 'the function returned');
      case 'ArrowFunctionExpression':
        return done('=>', 'the function returned');
      case 'ExportDefaultDeclaration':
        return done('default', 'the default export');
      case 'MethodDefinition':
      case 'PropertyDefinition': {
        // A member of a class: named with its class (two classes made by one function have their own).
        const cls = ancestors[i - 2];
        const className = (cls && text(child(cls, 'id') ?? cls, 'name')) ?? '(class)';
        const name = keyText(js, p);
        const prefix = p['static'] === true ? 'static ' : '';
        return p.type === 'MethodDefinition'
          ? done(`${prefix}${className}.${name}`, `${className}.${name}()`)
          : done(`${prefix}field ${className}.${name}`, `${className}.${name}`);
      }
      default:
        if (boundary(p)) return done(parts.length === 0 ? 'fn' : '', 'a function');
    }
    inner = p;
  }
  return done(parts.length === 0 ? 'fn' : '', 'a function');
}

const describe = (label: string, within: string | null): string => (within ? `${label} in ${within}` : label);

/**
 * An arrow's expression body with what surrounds it after `=>` (parentheses, comments): the parser's
 * node leaves them out, and a block put inside them (`=> ({ if (...) ...; return ({ ok: true }); })`)
 * would not parse. From just after `=>` to the arrow's end.
 */
export function expressionBody(js: string, node: AstNode): { start: number; end: number } | null {
  const body = child(node, 'body');
  if (!body || body.type === 'BlockStatement') return null;
  const params = children(node, 'params');
  // Between the last parameter (or the arrow's start) and `=>` there are only `async`, parentheses,
  // white space and comments.
  let i = params.length > 0 ? params[params.length - 1]!.end : node.start;
  while (i < body.start) {
    if (js.startsWith('=>', i)) return { start: i + 2, end: node.end };
    if (js.startsWith('//', i)) i = js.indexOf('\n', i) < 0 ? body.start : js.indexOf('\n', i);
    else if (js.startsWith('/*', i)) i = js.indexOf('*/', i + 2) + 2;
    else i++;
  }
  return { start: body.start, end: body.end };
}

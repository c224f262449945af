// Finding live instances at change time through V8's heap walk (Runtime.queryObjects over an in-process
// inspector session): it costs nothing per `new`, and is paid only when a change needs to know
// (ARCHITECTURE.md fact 5: ~7.5 ms per MB of heap).

import inspector from 'node:inspector';

type Post = (method: string, params?: object) => Record<string, unknown>;

/** Returns a function finding the live objects that have `prototype` in their chain (prototypes aside). */
export function createInstanceFinder(): (prototype: object) => object[] {
  let post: Post | null = null;
  const connect = (): Post => {
    const session = new inspector.Session();
    session.connect();
    // An in-process session answers synchronously: the callback has run when post() returns.
    const p: Post = (method, params) => {
      let result: Record<string, unknown> | undefined;
      let failure: Error | null = null;
      session.post(method, params ?? {}, (err, res) => {
        failure = err;
        result = res as Record<string, unknown>;
      });
      if (failure) throw failure;
      if (!result) throw new Error(`imago: the inspector did not answer ${method} synchronously`);
      return result;
    };
    p('Runtime.enable');
    return p;
  };
  return (prototype) => {
    post ??= connect();
    const key = `__imago_query_${Math.random().toString(36).slice(2)}`;
    const g = globalThis as Record<string, unknown>;
    g[key] = prototype;
    try {
      const proto = post('Runtime.evaluate', { expression: `globalThis.${key}`, objectGroup: 'imago' })['result'] as { objectId: string };
      const found = post('Runtime.queryObjects', { prototypeObjectId: proto.objectId, objectGroup: 'imago' })['objects'] as { objectId: string };
      // Hand the array over to this side through the same global, then release the inspector's handles.
      post('Runtime.callFunctionOn', { objectId: found.objectId, functionDeclaration: `function () { globalThis.${key} = this; }` });
      const all = g[key] as object[];
      const out: object[] = [];
      for (const o of all) {
        if (!Object.hasOwn(o, 'constructor')) {
          out.push(o);
          continue;
        }
        const own = Object.getOwnPropertyDescriptor(o, 'constructor');
        const isPrototype = own !== undefined && typeof own.value === 'function' && (own.value as { prototype?: unknown }).prototype === o;
        if (!isPrototype) out.push(o);
      }
      return out;
    } finally {
      delete g[key];
      post('Runtime.releaseObjectGroup', { objectGroup: 'imago' });
    }
  };
}

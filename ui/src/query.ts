// A request whose reply a pane shows: asked when the pane mounts and again when `deps` change
// (a new change applied, a timer), with the last reply kept on screen while the next is on its way.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from './api.js';

export interface Query<T> {
  readonly value: T | null;
  readonly error: string | null;
  readonly loading: boolean;
  readonly reload: () => void;
}

export function useQuery<T>(ask: () => Promise<T>, deps: readonly unknown[]): Query<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  const latest = useRef(0);
  // `ask` is a fresh closure each render; `deps` says when to ask again.
  useEffect(() => {
    const mine = ++latest.current;
    setLoading(true);
    ask().then(
      (v) => {
        if (mine !== latest.current) return;
        setValue(v);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== latest.current) return;
        setError(errorText(e));
        setLoading(false);
      },
    );
  }, [...deps, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { value, error, loading, reload };
}

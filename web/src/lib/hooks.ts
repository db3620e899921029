import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { SwitchboardError } from './sdk.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => Promise<void>;
}

/** Loads `load()` now and on `reload()`; with `everyMs`, again on that period while the tab is visible. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], everyMs?: number): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const current = useRef(load);
  current.current = load;
  const reload = useCallback(async () => {
    setLoading(true);
    try {
      setData(await current.current());
      setError(undefined);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setLoading(false);
    }
  }, []);
  useEffect(() => {
    void reload();
    if (!everyMs) return;
    const timer = setInterval(() => {
      if (!document.hidden) void reload();
    }, everyMs);
    return () => clearInterval(timer);
  }, deps);
  return { data, error, loading, reload };
}

/** The sentence a person reads for a failed call; validation details name each bad field. */
export function describeError(error: unknown): string {
  if (error instanceof SwitchboardError) {
    if (error.status === 0) return 'The server cannot be reached. Check your connection and try again.';
    const details = (error.details ?? [])
      .map((d) => {
        const { field, message } = (d ?? {}) as { field?: unknown; message?: unknown };
        return [field, message].filter((part) => typeof part === 'string' && part).join(' ');
      })
      .filter(Boolean);
    return details.length > 0 && !error.message.includes(details[0]!)
      ? `${error.message} (${details.join('; ')})`
      : error.message;
  }
  if (error instanceof TypeError) return 'The server cannot be reached. Check your connection and try again.';
  return error instanceof Error ? error.message : String(error);
}

import { useCallback, useEffect, useRef, useState } from "preact/hooks";

/**
 * Loads `load()` now and every `everyMs` after the previous answer (never
 * two at once), until the view goes away. `refresh()` loads again at once,
 * e.g. after an operation. An error is kept beside the last good value.
 */
export function usePoll<T>(
  load: () => Promise<T>,
  everyMs: number,
): { value: T | undefined; error: string | null; refresh: () => Promise<void> } {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(load);
  latest.current = load;
  const alive = useRef(true);

  const refresh = useCallback(async () => {
    try {
      const answer = await latest.current();
      if (!alive.current) return;
      setValue(answer);
      setError(null);
    } catch (failure) {
      if (alive.current) setError(failure instanceof Error ? failure.message : String(failure));
    }
  }, []);

  useEffect(() => {
    alive.current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      await refresh();
      if (alive.current) timer = setTimeout(() => void tick(), everyMs);
    };
    void tick();
    return () => {
      alive.current = false;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [refresh, everyMs]);

  return { value, error, refresh };
}

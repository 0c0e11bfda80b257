import { useEffect, useRef, useState } from "react";

export type Loaded<Value> =
  | { state: "loading" }
  | { state: "ready"; value: Value }
  | { state: "error"; message: string };

/**
 * Runs an async load, again whenever `source` or `key` change (what the load reads from); a result that arrives
 * after unmounting, or after a newer load started, is dropped.
 */
export function useLoad<Value>(load: () => Promise<Value>, source: unknown, key?: unknown): Loaded<Value> {
  const [loaded, setLoaded] = useState<Loaded<Value>>({ state: "loading" });
  const latestLoad = useRef(load);
  latestLoad.current = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new load starts when what it reads from changes.
  useEffect(() => {
    let live = true;
    setLoaded({ state: "loading" });
    latestLoad.current().then(
      (value) => {
        if (live) setLoaded({ state: "ready", value });
      },
      (error: unknown) => {
        if (live)
          setLoaded({ state: "error", message: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => {
      live = false;
    };
  }, [source, key]);
  return loaded;
}

import type { ResolvedWindow, StoreSetting, WindowSetting } from "./schedule-model.js";

/**
 * Which maintenance window a store's rows get (pure). A store's own window
 * wins, in the zone it names; else the window of the nearest group on the
 * row's group path (`DE/North/Berlin`, then `DE/North`, then `DE`), with
 * the store's zone override (`store set --tz`) in place of the group's
 * zone: one group window serves stores in several zones. No window
 * anywhere: null (the store installs whenever asked, as before issue 11).
 */
export function resolveWindow(
  store: string,
  group: string | null,
  windows: readonly WindowSetting[],
  stores: readonly StoreSetting[],
): ResolvedWindow | null {
  const own = windows.find((s) => s.subject.kind === "store" && s.subject.store === store);
  if (own !== undefined) return { window: own.window, source: `store ${store}` };
  for (const candidate of groupPath(group)) {
    const inherited = windows.find(
      (s) => s.subject.kind === "group" && s.subject.group === candidate,
    );
    if (inherited === undefined) continue;
    const tz = stores.find((s) => s.store === store)?.tz ?? null;
    if (tz === null || tz === inherited.window.tz)
      return { window: inherited.window, source: `group ${candidate}` };
    return {
      window: { ...inherited.window, tz },
      source: `group ${candidate} (zone of store ${store})`,
    };
  }
  return null;
}

/** `DE/North/Berlin` → `DE/North/Berlin`, `DE/North`, `DE`: nearest first; none for no group. */
export function groupPath(group: string | null): string[] {
  if (group === null || group === "") return [];
  const parts = group.split("/");
  return parts.map((_, i) => parts.slice(0, parts.length - i).join("/"));
}

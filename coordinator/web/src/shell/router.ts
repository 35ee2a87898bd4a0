import { useEffect, useState } from "preact/hooks";

/**
 * Paths in the address bar (history API): the coordinator answers every
 * non-API path with index.html, so a reload or a shared link opens the same
 * view. `navigate` pushes a path; `usePath` re-renders on every change.
 */
const CHANGE = "tillroll:navigate";

export function navigate(path: string): void {
  if (path === currentPath()) return;
  history.pushState(null, "", path);
  window.dispatchEvent(new Event(CHANGE));
}

export function currentPath(): string {
  return `${location.pathname}${location.search}`;
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    window.addEventListener("popstate", update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return path;
}

/** Click handler for an `<a href>` that stays in the app (new tab with a modifier still works). */
export function followLink(event: MouseEvent, href: string): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  event.preventDefault();
  navigate(href);
}

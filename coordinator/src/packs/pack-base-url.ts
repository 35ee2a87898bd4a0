/**
 * `--pack-base-url URL` (issue 14): where agents download pack archives when
 * this coordinator does not serve them itself — an HTTP server or CDN every
 * replica's agents reach, serving the data folder's `packs/` as
 * `<URL>/packs/<sha256>.tgz`. Agents verify every archive's sha256 against the
 * signed desired state, so the server needs no trust of its own.
 */

/** Why `text` cannot be a pack base URL, or null when it can. */
export function packBaseUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${JSON.stringify(text)} is not a URL (e.g. https://cdn.example/tillroll)`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return `${JSON.stringify(text)} is not an http:// or https:// URL`;
  if (url.username !== "" || url.password !== "")
    return "a user or password in the URL would reach every agent's desired state: serve packs without one";
  if (url.search !== "" || url.hash !== "")
    return `${JSON.stringify(text)} has a query or fragment: give the folder that holds packs/`;
  return null;
}

/** The base as desired entries use it: `<base>/packs/<sha256>.tgz`, without a trailing slash. */
export function normalizePackBaseUrl(text: string): string {
  return text.replace(/\/+$/, "");
}

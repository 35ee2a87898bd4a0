/**
 * Browsers' cross-site requests refused before anything else (issue 12): a
 * POST that does not carry a bearer token (a cookie caller, or a login,
 * which has no CSRF token yet) must come from the console's own origin.
 * When the browser says where it comes from (`Sec-Fetch-Site`, `Origin`),
 * anything but this host is refused; clients that send neither (the CLI,
 * curl) are not browsers and are not affected. The CSRF token still guards
 * every cookie POST; this also stops login CSRF, which it cannot.
 */

const SAME = new Set(["same-origin", "none"]);

type Headers = Record<string, string | string[] | undefined>;

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** Why this request is refused as cross-site (a 403 message), or null to let it through. */
export function crossSiteRefusal(method: string | undefined, headers: Headers): string | null {
  if (method !== "POST") return null;
  if (/^bearer\s/i.test(one(headers.authorization) ?? "")) return null;
  const site = one(headers["sec-fetch-site"]);
  if (site !== undefined && !SAME.has(site.toLowerCase()))
    return `refused: a ${site} request (Sec-Fetch-Site): the console only accepts changes from its own pages`;
  const origin = one(headers.origin);
  if (origin === undefined) return null;
  const host = one(headers.host);
  let originHost: string | null = null;
  try {
    originHost = origin === "null" ? null : new URL(origin).host;
  } catch {
    originHost = null;
  }
  if (originHost === null || host === undefined || originHost.toLowerCase() !== host.toLowerCase())
    return `refused: a request from origin ${origin} (Origin): the console only accepts changes from its own pages`;
  return null;
}

// The `--database` URL (a PostgreSQL connection string): checked before anything starts,
// and shown in messages without its password.

const SCHEMES = new Set(["postgres:", "postgresql:"]);

/**
 * Why `text` is not a PostgreSQL URL, or null when it is one. The text is
 * never echoed back: it may hold a password.
 */
export function databaseUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "not a URL: give postgres://user:password@host:5432/database";
  }
  if (SCHEMES.has(url.protocol)) return null;
  // Only a scheme written as one (`mysql://…`) is named: in `host:5432` or
  // `user:password@host` the part before the colon is no scheme.
  const named = text.startsWith(`${url.protocol}//`)
    ? `a ${url.protocol}// URL is not PostgreSQL`
    : "not a PostgreSQL URL";
  return `${named}: give postgres://user:password@host:5432/database (or postgresql://)`;
}

/** The URL as logged and shown in errors: its password replaced by `***`. */
export function redactDatabaseUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== "") url.password = "***";
    return url.toString();
  } catch {
    return "(the --database URL)";
  }
}

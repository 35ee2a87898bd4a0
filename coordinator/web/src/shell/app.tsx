import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { createApi } from "../api/client.js";
import {
  AuditPage,
  BlackoutsPage,
  OperatorsPage,
  WebhooksPage,
  WindowsPage,
} from "../views/admin/index.js";
import { ReleaseListPage, ReleaseNewPage, ReleasePage } from "../views/releases/index.js";
import { StatusPage } from "../views/status/index.js";
import { LoginPage } from "./login.js";
import { Nav } from "./nav.js";
import { navigate, usePath } from "./router.js";
import { mayFor, Session, type SessionContext, type SignedIn } from "./session.js";

/**
 * The console: restores the cookie session (GET /api/session answers the
 * CSRF token again after a reload; the token lives in memory only), shows
 * the login page when there is none, and otherwise the view the path names.
 */
export function App() {
  const path = usePath();
  const csrf = useRef<string | undefined>(undefined);
  const [who, setWho] = useState<SignedIn | null | undefined>(undefined);
  const api = useMemo(
    () =>
      createApi({
        csrfToken: () => csrf.current,
        onSignedOut: () => setWho(null),
      }),
    [],
  );

  useEffect(() => {
    api("whoami")
      .then((session) => {
        csrf.current = session.csrfToken;
        setWho({ name: session.name, role: session.role, scope: session.scope });
      })
      .catch(() => setWho(null));
  }, [api]);

  const signedIn = useCallback((session: SignedIn & { csrfToken?: string | undefined }) => {
    csrf.current = session.csrfToken;
    setWho({ name: session.name, role: session.role, scope: session.scope });
    if (currentIsLogin()) navigate("/");
  }, []);

  const context = useMemo<SessionContext | null>(
    () =>
      who
        ? {
            who,
            api,
            may: mayFor(who),
            logout: async () => {
              await api("logout").catch(() => undefined);
              csrf.current = undefined;
              setWho(null);
              navigate("/login");
            },
          }
        : null,
    [who, api],
  );

  if (who === undefined) return <p class="loading">Loading…</p>;
  if (context === null) return <LoginPage api={api} onSignedIn={signedIn} />;
  return (
    <Session.Provider value={context}>
      <Nav path={path} />
      <main id="main">{viewFor(path)}</main>
    </Session.Provider>
  );
}

function currentIsLogin(): boolean {
  return location.pathname === "/login";
}

/** The view a path names; unknown paths show the status overview. */
function viewFor(path: string) {
  const pathname = path.split("?")[0] ?? "/";
  if (pathname === "/releases") return <ReleaseListPage />;
  if (pathname === "/releases/new") return <ReleaseNewPage />;
  const release = /^\/releases\/([^/]+)$/.exec(pathname);
  if (release?.[1]) return <ReleasePage id={decodeURIComponent(release[1])} />;
  if (pathname === "/windows") return <WindowsPage />;
  if (pathname === "/blackouts") return <BlackoutsPage />;
  if (pathname === "/webhooks") return <WebhooksPage />;
  if (pathname === "/operators") return <OperatorsPage />;
  if (pathname === "/audit") return <AuditPage />;
  return <StatusPage />;
}

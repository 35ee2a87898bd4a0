import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { API_ROUTES, mayCall, type Role, type RouteName } from "../../../src/api/contract.js";
import type { Api } from "../api/client.js";

/** Who is signed in, as GET /api/session answers it. */
export interface SignedIn {
  readonly name: string;
  readonly role: Role;
  readonly scope: string | null;
}

export interface SessionContext {
  readonly who: SignedIn;
  readonly api: Api;
  /** May the signed-in operator call this route? (The server decides again.) */
  readonly may: (route: RouteName) => boolean;
  readonly logout: () => Promise<void>;
}

export const Session = createContext<SessionContext | null>(null);

export function useSession(): SessionContext {
  const session = useContext(Session);
  if (session === null) throw new Error("useSession outside the signed-in app");
  return session;
}

export function mayFor(who: SignedIn): (route: RouteName) => boolean {
  return (route) => mayCall(who, API_ROUTES[route]);
}

import type { RouteName } from "../../../src/api/contract.js";
import { followLink } from "./router.js";
import { useSession } from "./session.js";

/** A link per view the signed-in role may read; what it may not use is not offered. */
const LINKS: readonly { href: string; label: string; needs: RouteName }[] = [
  { href: "/", label: "Status", needs: "status" },
  { href: "/releases", label: "Releases", needs: "listReleases" },
  { href: "/windows", label: "Windows", needs: "listWindows" },
  { href: "/blackouts", label: "Blackouts", needs: "listBlackouts" },
  { href: "/webhooks", label: "Webhooks", needs: "listWebhooks" },
  { href: "/operators", label: "Operators", needs: "listOperators" },
  { href: "/audit", label: "Audit", needs: "audit" },
];

export function Nav(props: { path: string }) {
  const { who, may, logout } = useSession();
  const here = props.path.split("?")[0] ?? "/";
  return (
    <header class="top">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <nav aria-label="Main">
        {LINKS.filter((link) => may(link.needs)).map((link) => {
          const current = link.href === "/" ? here === "/" : here.startsWith(link.href);
          return (
            <a
              key={link.href}
              href={link.href}
              aria-current={current ? "page" : undefined}
              onClick={(e) => followLink(e, link.href)}
            >
              {link.label}
            </a>
          );
        })}
      </nav>
      <span class="who">
        {who.name} ({who.role}
        {who.scope ? `, ${who.scope}` : ""})
      </span>
      <button type="button" onClick={() => void logout()}>
        Log out
      </button>
    </header>
  );
}

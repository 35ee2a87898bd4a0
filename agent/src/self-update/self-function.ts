import { basename, dirname, join, relative, sep } from "node:path";

/**
 * The agent's own function. Its pack holds the single-file agent bundle and
 * a descriptor; the engine treats it apart from every other function: nothing
 * is started, stopped or health-checked as a service, the release is probed
 * (`self-test`), switched, and the agent hands over to it by exiting with
 * SELF_RESTART_EXIT_CODE (see README, "The agent updates itself").
 */
export const SELF_FUNCTION = "tillroll-agent";

/** The bundle inside a `tillroll-agent` release folder; the launcher runs `<agentRoot>/current/<this>`. */
export const AGENT_BUNDLE_FILE = "tillroll-agent.mjs";

/**
 * Exit code of an agent that switched `current` to a new release of itself:
 * "start me again" (EX_TEMPFAIL). The launcher restarts at once; under
 * systemd, Restart=always does the same.
 */
export const SELF_RESTART_EXIT_CODE = 75;

/**
 * Exit code of a new agent that could not confirm itself within its deadline
 * (it never reached the broker; EX_UNAVAILABLE). Any exit but 75 before the
 * confirmation counts for the launcher; this one says why.
 */
export const SELF_UNCONFIRMED_EXIT_CODE = 69;

/** Where the agent's own releases live: `<root>/tillroll-agent`. */
export function agentRootOf(installRoot: string): string {
  return join(installRoot, SELF_FUNCTION);
}

/**
 * The release folder this agent runs from, given the real path (symlinks
 * resolved) of its script: `<root>/tillroll-agent/releases/<release>/<file>`
 * gives `<release>`; anything else (a development build, a .deb's fixed
 * path) gives null, and then the agent cannot update itself.
 */
export function runningRelease(installRoot: string, realScriptPath: string): string | null {
  const releases = join(agentRootOf(installRoot), "releases");
  const folder = dirname(realScriptPath);
  const rel = relative(releases, folder);
  if (rel === "" || rel.startsWith("..") || rel.includes(sep)) return null;
  return basename(folder);
}

/**
 * The launcher (bin/tillroll-agent-launcher) gives the agent glibc malloc
 * settings of its own (`GLIBC_TUNABLES`: one malloc arena, free memory handed
 * back to the system sooner) and keeps what the variable was before in
 * `TILLROLL_SERVICE_GLIBC_TUNABLES`. Services and hooks inherit the agent's
 * environment, so the agent puts the variable back before it starts any: the
 * settings trade a little malloc speed for a small idle footprint, a choice
 * for the agent, not for the services of a till.
 */

/** Where the launcher keeps `GLIBC_TUNABLES` as it was before (empty: it was not set). */
export const SERVICE_GLIBC_TUNABLES = "TILLROLL_SERVICE_GLIBC_TUNABLES";
/** What the launcher gave the agent (for the footprint bench, which reads the agent's environment). */
export const GIVEN_GLIBC_TUNABLES = "TILLROLL_GIVEN_GLIBC_TUNABLES";

/** Puts `GLIBC_TUNABLES` back as the launcher found it, in `env` (the agent's own: `process.env`). */
export function restoreServiceEnvironment(env: NodeJS.ProcessEnv): void {
  const saved = env[SERVICE_GLIBC_TUNABLES];
  if (saved === undefined) return;
  if (saved === "") delete env.GLIBC_TUNABLES;
  else env.GLIBC_TUNABLES = saved;
  delete env[SERVICE_GLIBC_TUNABLES];
  delete env[GIVEN_GLIBC_TUNABLES];
}

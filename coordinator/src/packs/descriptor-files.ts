// The files a pack's descriptor names (start and stop commands, a health command, hooks) must
// be regular files in the pack: an agent would otherwise install the pack and fail only when
// it runs the missing file, on every till, after the download. Refused at publish instead.

import { type FunctionPackDescriptor, hookCommands } from "@tillroll/protocol";

/** One path the descriptor names, with the field that names it (`service.start`). */
export interface NamedPath {
  field: string;
  path: string;
}

/** Every path field of the descriptor that is set, in descriptor order. */
export function namedPaths(descriptor: FunctionPackDescriptor): NamedPath[] {
  const { service } = descriptor;
  const health = service.health;
  const hook = (which: "beforeInstall" | "afterInstall"): [string, string][] => {
    const commands = hookCommands(descriptor, which);
    // A list's entries are named by index, a single path by the field alone.
    const list = Array.isArray(descriptor.hooks?.[which]);
    return commands.map((path, i) => [list ? `hooks.${which}[${i}]` : `hooks.${which}`, path]);
  };
  const named: [string, string | undefined][] = [
    ["service.start", service.start],
    ["service.stop", service.stop],
    [
      "service.health.command",
      health !== undefined && "command" in health ? health.command : undefined,
    ],
    ...hook("beforeInstall"),
    ...hook("afterInstall"),
  ];
  return named.flatMap(([field, path]) => (path === undefined ? [] : [{ field, path }]));
}

/**
 * A descriptor path as the pack's file list spells it: the agent resolves it against the
 * release folder, so `./bin/start` and `bin//start` name `bin/start`.
 */
export function normalPackPath(path: string): string {
  return path
    .split("/")
    .filter((segment) => segment !== "" && segment !== ".")
    .join("/");
}

/**
 * The first path the descriptor names that is not a regular file of the pack (`files`: the
 * pack's regular-file paths, `/`-separated, as the scan lists them), worded for the publisher;
 * null when every named file is there.
 */
export function missingNamedFile(
  descriptor: FunctionPackDescriptor,
  files: ReadonlySet<string>,
): string | null {
  for (const { field, path } of namedPaths(descriptor)) {
    if (!files.has(normalPackPath(path)))
      return `descriptor: ${field} names ${path}, which is not in the pack`;
  }
  return null;
}

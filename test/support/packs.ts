import { createHash } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  DESCRIPTOR_FILE,
  type FunctionPackDescriptorInput,
  functionPackDescriptorSchema,
  validate,
} from "@tillroll/protocol";
import { create } from "tar";

/**
 * Real function packs for end-to-end tests: a folder with the descriptor and
 * `#!/bin/sh` scripts, packed into a `.tgz` the way a pack author would, so
 * the agent under test downloads, verifies, extracts and runs exactly what it
 * would in a store.
 */

export interface PackSpec {
  name: string;
  version: string;
  updatableFrom?: string;
  /** Body of `bin/start` (after `#!/bin/sh`). Default: write the marker file, then sleep. */
  start?: string;
  /** "ok" (default): `exit 0`; "fail": `exit 1`; `{http}`: an HTTP check; "none": no check. */
  health?: "ok" | "fail" | { http: string } | "none";
  /** Body of `bin/health` instead of the plain `exit 0` / `exit 1` (with "ok" or "fail"). */
  healthScript?: string;
  /** Health check timing. Defaults are short (3 s, 0.2 s) so failing checks do not slow tests. */
  healthTimeoutSeconds?: number;
  healthIntervalSeconds?: number;
  /** Body of `bin/stop`; absent: the descriptor names no stop command. */
  stop?: string;
  /** Body of `hooks/before-install`. */
  beforeInstall?: string;
  /** Body of `hooks/after-install`. */
  afterInstall?: string;
  /** Issue 13: descriptor `maintenance` ("clients": a store server). */
  maintenance?: "self" | "clients";
  /** More files, by path relative to the pack root; written with mode 0644. */
  extraFiles?: Record<string, string>;
  /**
   * Written verbatim as the descriptor instead of the generated one, and not
   * validated: for tests of how the agent refuses a broken pack.
   */
  rawDescriptor?: string;
}

export interface BuiltPack {
  /** The `.tgz`. */
  path: string;
  /** The unpacked folder the archive was made from. */
  folder: string;
  /** Lowercase hex SHA-256 of the `.tgz`, as a desired document's artifact carries it. */
  sha256: string;
  size: number;
  descriptor: FunctionPackDescriptorInput;
}

/** Where the default start script reports that it runs (see defaultStartScript). */
export function markerPath(markerDir: string, name: string): string {
  return join(markerDir, `${name}.running`);
}

export interface RunningMarker {
  name: string;
  version: string;
  pid: number;
}

/** The marker the default start script wrote, or undefined when there is none (yet). */
export async function readMarker(
  markerDir: string,
  name: string,
): Promise<RunningMarker | undefined> {
  try {
    return JSON.parse(await readFile(markerPath(markerDir, name), "utf8")) as RunningMarker;
  } catch {
    return undefined;
  }
}

/** Single-quotes a string for sh, so names and versions cannot break the script. */
function shQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Records name, version and pid in `$TILLROLL_MARKER_DIR/<name>.running`
 * (`./running` without the variable), then becomes a long-running process.
 * `exec` keeps the pid: the recorded pid is the service the agent supervises,
 * so a test can tell which release runs and whether it is still alive. The
 * marker is written to a temporary name and renamed so a reader never sees
 * half a file.
 */
function defaultStartScript(name: string, version: string): string {
  const json = `{"name":"%s","version":"%s","pid":%s}\\n`;
  return [
    `if [ -n "$TILLROLL_MARKER_DIR" ]; then marker="$TILLROLL_MARKER_DIR/"${shQuote(`${name}.running`)}; else marker=./running; fi`,
    `printf '${json}' ${shQuote(name)} ${shQuote(version)} "$$" > "$marker.tmp.$$"`,
    `mv "$marker.tmp.$$" "$marker"`,
    "exec sleep 100000",
  ].join("\n");
}

function descriptorFor(spec: PackSpec): FunctionPackDescriptorInput {
  const health = spec.health ?? "ok";
  const timing = {
    timeoutSeconds: spec.healthTimeoutSeconds ?? 3,
    intervalSeconds: spec.healthIntervalSeconds ?? 0.2,
  };
  const descriptor: FunctionPackDescriptorInput = {
    name: spec.name,
    version: spec.version,
    service: { start: "bin/start" },
  };
  if (spec.updatableFrom !== undefined) descriptor.updatableFrom = spec.updatableFrom;
  if (spec.maintenance !== undefined) descriptor.maintenance = spec.maintenance;
  if (spec.stop !== undefined) descriptor.service.stop = "bin/stop";
  if (health === "ok" || health === "fail") {
    descriptor.service.health = { command: "bin/health", ...timing };
  } else if (health !== "none") {
    descriptor.service.health = { http: health.http, ...timing };
  }
  if (spec.beforeInstall !== undefined || spec.afterInstall !== undefined) {
    descriptor.hooks = {};
    if (spec.beforeInstall !== undefined) descriptor.hooks.beforeInstall = "hooks/before-install";
    if (spec.afterInstall !== undefined) descriptor.hooks.afterInstall = "hooks/after-install";
  }
  return descriptor;
}

async function writeAt(root: string, path: string, content: string, mode: number): Promise<void> {
  const target = join(root, path);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, content);
  // chmod after writing: writeFile's mode is filtered by the umask.
  await chmod(target, mode);
}

/**
 * Writes `<dir>/<name>-<version>/` and packs it into `<dir>/<name>-<version>.tgz`.
 * Throws when the generated descriptor is invalid (a typo in a test's spec),
 * so tests never chase an agent "bug" that is really a broken fixture.
 */
export async function buildPack(dir: string, spec: PackSpec): Promise<BuiltPack> {
  const descriptor = descriptorFor(spec);
  if (spec.rawDescriptor === undefined) {
    const checked = validate(functionPackDescriptorSchema, descriptor);
    if (!checked.ok) throw new Error(`buildPack: invalid descriptor:\n${checked.error}`);
  }
  const base = `${spec.name}-${spec.version}`;
  const folder = join(dir, base);
  await mkdir(folder, { recursive: true });
  await writeAt(
    folder,
    DESCRIPTOR_FILE,
    spec.rawDescriptor ?? `${JSON.stringify(descriptor, null, 2)}\n`,
    0o644,
  );

  const scripts: Record<string, string | undefined> = {
    "bin/start": spec.start ?? defaultStartScript(spec.name, spec.version),
    "bin/health": spec.healthScript ?? (spec.health === "fail" ? "exit 1" : "exit 0"),
    "bin/stop": spec.stop,
    "hooks/before-install": spec.beforeInstall,
    "hooks/after-install": spec.afterInstall,
  };
  if (spec.health === "none" || typeof spec.health === "object") delete scripts["bin/health"];
  for (const [path, body] of Object.entries(scripts)) {
    if (body !== undefined) await writeAt(folder, path, `#!/bin/sh\n${body}\n`, 0o755);
  }
  for (const [path, content] of Object.entries(spec.extraFiles ?? {})) {
    await writeAt(folder, path, content, 0o644);
  }

  const path = join(dir, `${base}.tgz`);
  // portable: no uid/gid/owner names or atime/ctime in the archive, so the
  // agent sees what an author's machine-independent pack looks like.
  await create({ gzip: true, cwd: folder, portable: true, file: path }, ["."]);
  const bytes = await readFile(path);
  return {
    path,
    folder,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    size: bytes.byteLength,
    descriptor,
  };
}

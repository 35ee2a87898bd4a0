// seed-release.mjs --config FILE --package DIR
//
// Run by /usr/bin/tillroll-agent before it starts the agent through
// tillroll-agent-launcher (see README, "Installing the agent on a till
// (.deb)"). Makes the packaged agent (DIR/tillroll-agent.mjs and its
// function-pack-descriptor.json) a release of the function `tillroll-agent`
// under `<root>/tillroll-agent/` (root from the agent config) and prints that
// agent root, so the agent can update itself from there:
//
//   no `current` (first start), or one pointing at nothing:
//       seed releases/<package version>, point `current` at it
//   `current` older than the package (semver): the same (an apt upgrade wins)
//   `current` as new or newer (a self-update): keep it, never downgrade
//   a self-update in flight (pending-confirm, or a tillroll-agent job in the
//   journal): keep `current`; the next start decides
//
// Plain Node (>= 20), no dependencies: it must work before any agent runs.
// Exit 0 printing the agent root; exit 2 naming the problem, changing nothing.
import { randomBytes } from "node:crypto";
import {
  closeSync,
  copyFileSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const SELF = "tillroll-agent";
const FILES = ["tillroll-agent.mjs", "function-pack-descriptor.json"];

/** Semver precedence (semver.org 2.0.0 §11; build metadata ignored): <0, 0, >0; null if not semver. */
export function compareVersions(a, b) {
  const pa = parseSemver(a);
  const pb = parseSemver(b);
  if (pa === null || pb === null) return null;
  for (let i = 0; i < 3; i++)
    if (pa.core[i] !== pb.core[i]) return pa.core[i] < pb.core[i] ? -1 : 1;
  // A pre-release sorts before its release: 0.2.0-rc1 < 0.2.0.
  if (pa.pre.length === 0 || pb.pre.length === 0) {
    if (pa.pre.length === pb.pre.length) return 0;
    return pa.pre.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.max(pa.pre.length, pb.pre.length); i++) {
    const x = pa.pre[i];
    const y = pb.pre[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) return Number(x) < Number(y) ? -1 : 1;
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function parseSemver(version) {
  const m =
    /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(
      version,
    );
  if (m === null) return null;
  return {
    core: [Number(m[1]), Number(m[2]), Number(m[3])],
    pre: m[4] === undefined ? [] : m[4].split("."),
  };
}

/** The version a release folder holds ("1.1.0~r-7f3a", a redeploy, holds 1.1.0). */
function versionOfRelease(release) {
  const at = release.indexOf("~");
  return at < 0 ? release : release.slice(0, at);
}

/**
 * What to do with `current` (pure): { seed: true } moves it to the package's
 * release; { seed: false, why } keeps it.
 */
export function seedDecision({ current, currentExists, packageVersion, busy }) {
  if (current === null)
    return { seed: true, why: `no ${SELF}/current yet: seeding ${packageVersion}` };
  if (!currentExists)
    return {
      seed: true,
      why: `current points at the missing release ${current}: seeding ${packageVersion}`,
    };
  if (busy !== null)
    return { seed: false, why: `keeping ${current}: a self-update is in progress (${busy})` };
  const order = compareVersions(packageVersion, versionOfRelease(current));
  if (order === null)
    return {
      seed: false,
      why: `keeping ${current}: not a semver version to compare with ${packageVersion}`,
    };
  if (order > 0)
    return {
      seed: true,
      why: `the package's ${packageVersion} is newer than current ${current}: switching`,
    };
  return { seed: false, why: `keeping ${current}: the package's ${packageVersion} is not newer` };
}

function fail(message) {
  process.stderr.write(`tillroll-agent: ${message}\n`);
  process.exit(2);
}

function readJson(path, what) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    fail(`${what} ${path}: cannot read (${error.code ?? error.message})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    fail(`${what} ${path}: not JSON (${error.message})`);
  }
}

function fsyncPath(path) {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readlinkOrNull(path) {
  try {
    return readlinkSync(path);
  } catch (error) {
    if (error.code === "ENOENT") return null;
    throw error;
  }
}

function exists(path) {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Why a self-update is in flight, or null: the launcher's file, or a job in the agent's journal. */
function selfUpdateInFlight(agentRoot, stateDir) {
  if (exists(join(agentRoot, "pending-confirm"))) return "pending-confirm";
  if (stateDir === null) return null;
  try {
    const journal = JSON.parse(readFileSync(join(stateDir, "agent.json"), "utf8"));
    const job = (journal.data ?? journal)?.services?.[SELF]?.job;
    return job ? `journal: step ${job.step} to ${job.toVersion}` : null;
  } catch {
    return null; // no journal yet (first start) or unreadable: the agent itself says so
  }
}

/** Copies the package's files into releases/<version> (via a staging folder) and moves `current`. */
function seed(agentRoot, packageDir, version) {
  const releases = join(agentRoot, "releases");
  mkdirSync(releases, { recursive: true });
  // "staging-": the agent's layout removes such a folder left by a power cut.
  const staging = join(agentRoot, `staging-${randomBytes(6).toString("hex")}`);
  mkdirSync(staging);
  for (const file of FILES) {
    copyFileSync(join(packageDir, file), join(staging, file));
    fsyncPath(join(staging, file));
  }
  fsyncPath(staging);
  const target = join(releases, version);
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  fsyncPath(releases);
  // rename(2) of a fresh link over `current`: the old or the new, never none.
  const link = join(agentRoot, `.current-${randomBytes(6).toString("hex")}`);
  symlinkSync(join("releases", version), link);
  renameSync(link, join(agentRoot, "current"));
  fsyncPath(agentRoot);
}

function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: { config: { type: "string" }, package: { type: "string" } },
    }));
  } catch (error) {
    fail(`seed-release: ${error.message}`);
  }
  if (values.config === undefined || values.package === undefined)
    fail("usage: seed-release.mjs --config FILE --package DIR");
  const configPath = resolve(values.config);
  const config = readJson(configPath, "config");
  // As the agent reads them: relative paths mean "beside the config file".
  const at = (path) => (isAbsolute(path) ? path : resolve(dirname(configPath), path));
  if (typeof config?.root !== "string" || config.root === "")
    fail(`config ${configPath}: root: a folder path is required`);
  const descriptorPath = join(values.package, "function-pack-descriptor.json");
  const packageVersion = readJson(descriptorPath, "descriptor").version;
  if (typeof packageVersion !== "string" || parseSemver(packageVersion) === null)
    fail(`descriptor ${descriptorPath}: version ${JSON.stringify(packageVersion)} is not semver`);

  const agentRoot = join(at(config.root), SELF);
  const link = readlinkOrNull(join(agentRoot, "current"));
  const current = link === null ? null : basename(link);
  const decision = seedDecision({
    current,
    currentExists: current !== null && exists(join(agentRoot, "releases", current, FILES[0])),
    packageVersion,
    busy:
      current === null
        ? null
        : selfUpdateInFlight(agentRoot, typeof config.state === "string" ? at(config.state) : null),
  });
  try {
    if (decision.seed) {
      mkdirSync(agentRoot, { recursive: true });
      seed(agentRoot, values.package, packageVersion);
    }
  } catch (error) {
    fail(`cannot seed ${join(agentRoot, "releases", packageVersion)}: ${error.message}`);
  }
  process.stderr.write(`tillroll-agent: ${decision.why}\n`);
  process.stdout.write(`${agentRoot}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === new URL(import.meta.url).pathname)
  main();

import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readlink, rename, rm, symlink } from "node:fs/promises";
import { basename, join } from "node:path";

/**
 * On-disk layout of one function on the workstation:
 *
 *   <root>/<function>/releases/<release>/    extracted packs (current + previous kept)
 *   <root>/<function>/current -> releases/<release>
 *   <root>/<function>/staging-<random>/      a pack being extracted (never active)
 *
 * A release folder is named after its version (`1.1.0`), except a reinstall
 * of the active version (redeploy, issue 11): `1.1.0~<requestId>`, so the
 * running folder stays untouched until the switch and a rollback has the old
 * one to go back to. Neither versions (semver) nor request ids contain "~",
 * so a name always says which version it holds and never collides.
 *
 * `current` is switched by renaming a fresh symlink over it: rename(2) is
 * atomic, so a power cut leaves either the old or the new link, never none.
 */
const REDEPLOY_SEPARATOR = "~";

/** The folder a reinstall of `version` for request `requestId` goes into. */
export function redeployReleaseName(version: string, requestId: string): string {
  return `${version}${REDEPLOY_SEPARATOR}${requestId}`;
}

/** The version a release folder holds ("1.1.0~r-7f3a" holds 1.1.0). */
export function versionOfRelease(release: string): string {
  const at = release.indexOf(REDEPLOY_SEPARATOR);
  return at < 0 ? release : release.slice(0, at);
}

export class FunctionLayout {
  readonly dir: string;
  readonly releasesDir: string;
  readonly currentLink: string;

  constructor(
    root: string,
    readonly functionName: string,
  ) {
    this.dir = join(root, functionName);
    this.releasesDir = join(this.dir, "releases");
    this.currentLink = join(this.dir, "current");
  }

  releaseDir(release: string): string {
    return join(this.releasesDir, release);
  }

  /** A new, unique staging path (not created: the extractor insists on a fresh folder). */
  newStagingDir(): string {
    return join(this.dir, `staging-${randomBytes(6).toString("hex")}`);
  }

  /** The release folder `current` points at, or null when there is none (first install). */
  async currentRelease(): Promise<string | null> {
    try {
      return basename(await readlink(this.currentLink));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  /** Points `current` at a release folder atomically and makes the change durable. */
  async switchTo(release: string): Promise<void> {
    const temp = join(this.dir, `.current-${randomBytes(6).toString("hex")}`);
    await symlink(join("releases", release), temp);
    try {
      await rename(temp, this.currentLink);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await fsyncDir(this.dir);
  }

  /** Removes `current` (used when a first install is rolled back: nothing ran before). */
  async clearCurrent(): Promise<void> {
    await rm(this.currentLink, { force: true });
    await fsyncDir(this.dir);
  }

  /**
   * Moves an extracted staging folder into releases/<release>. A folder left
   * there by an earlier attempt is replaced (it is never the active one: the
   * caller checks), so a re-run of this step ends in the same state.
   */
  async installStaged(stagingDir: string, release: string): Promise<void> {
    await mkdirp(this.releasesDir);
    const target = this.releaseDir(release);
    await rm(target, { recursive: true, force: true });
    await rename(stagingDir, target);
    await fsyncDir(this.releasesDir);
  }

  /** Deletes leftover staging folders and temp links from interrupted runs. */
  async removeLeftovers(): Promise<void> {
    for (const name of await readdirOrEmpty(this.dir)) {
      if (name.startsWith("staging-") || name.startsWith(".current-")) {
        await rm(join(this.dir, name), { recursive: true, force: true });
      }
    }
  }

  /** Keeps only the releases named in `keep` (current and previous), deleting older ones. */
  async prune(keep: readonly (string | null)[]): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await readdirOrEmpty(this.releasesDir)) {
      if (!keep.includes(name)) {
        await rm(join(this.releasesDir, name), { recursive: true, force: true });
        removed.push(name);
      }
    }
    return removed;
  }

  async hasRelease(release: string): Promise<boolean> {
    return (await readdirOrEmpty(this.releasesDir)).includes(release);
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

async function mkdirp(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

/** A rename is durable only once its folder is fsync'd (ext4 with data=ordered or not). */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

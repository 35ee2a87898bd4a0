// Pure, I/O-free checks applied to every tar entry of a function pack before anything is
// written. Each function returns the violated rule as a short sentence (used in the
// refusal reason) or the sanitised value. Kept separate from the extractor so that every
// rule can be unit-tested against hostile strings without building archives.

/** What a pack may contain. Everything else (links, devices, FIFOs, sparse files, …) is refused. */
export type PackEntryKind = "file" | "directory";

export type RuleResult<T> = { ok: true; value: T } | { ok: false; rule: string };

const KIND_BY_TYPE: ReadonlyMap<string, PackEntryKind> = new Map([
  ["File", "file"],
  ["OldFile", "file"], // pre-POSIX typeflag "\0"; still a plain regular file
  ["Directory", "directory"],
]);

const REFUSED_TYPE_NAMES: ReadonlyMap<string, string> = new Map([
  ["SymbolicLink", "symbolic links"],
  ["Link", "hard links"],
  ["CharacterDevice", "character devices"],
  ["BlockDevice", "block devices"],
  ["FIFO", "FIFOs"],
  ["ContiguousFile", "contiguous files"],
  ["GNUDumpDir", "GNU dump directories"],
]);

/**
 * Only regular files and directories are admitted.
 * - symlinks: a link to `../../etc` followed by `link/passwd` writes outside the staging folder;
 * - hard links: a link to an existing file outside, followed by a file entry of the same name,
 *   overwrites that outside file through the shared inode;
 * - devices/FIFOs: a device node in an installed pack grants raw hardware access, a FIFO
 *   hangs whoever opens it.
 * `headerType` is the type from the ustar block; `type` the one after pax overrides. Both must
 * agree so a pax `type=` record cannot smuggle a different kind past the header.
 */
export function checkEntryType(
  type: string,
  headerType: string | undefined,
): RuleResult<PackEntryKind> {
  const kind = KIND_BY_TYPE.get(type);
  if (kind === undefined || (headerType !== undefined && KIND_BY_TYPE.get(headerType) !== kind)) {
    const named = REFUSED_TYPE_NAMES.get(type);
    return {
      ok: false,
      rule: named
        ? `${named} are not allowed`
        : `entry type ${JSON.stringify(type)} is not allowed (only regular files and directories)`,
    };
  }
  return { ok: true, value: kind };
}

// Control characters (NUL included) have no business in a file name: NUL truncates paths in C
// code that later touches the file, CR/LF forge log lines and break shell scripts.
// Backslash is a separator on Windows ("..\\..\\x" escapes there), and a colon means a drive
// ("C:x") or an NTFS alternate data stream ("file:stream"). Refusing them keeps one meaning
// for a pack path on every till, whatever its OS.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f\\:]/;

/**
 * Splits a raw entry path (as read from the header, before tar's own sanitising, which would
 * silently strip a leading `/` or drop `..` entries and carry on) into the path segments under
 * the staging folder. `""` and `"."` segments are dropped, so `./bin/start`, `bin//start` and
 * `bin/start` all mean the same file; `[]` means the pack root itself (the `./` entry).
 */
export function splitPackPath(raw: string): RuleResult<string[]> {
  if (raw.length === 0) return { ok: false, rule: "empty path" };
  const bad = FORBIDDEN_CHARS.exec(raw);
  if (bad) {
    const shown = JSON.stringify(bad[0]);
    return { ok: false, rule: `forbidden character ${shown} in path` };
  }
  // Absolute paths would land wherever the archive's author wants (/etc/cron.d/x).
  if (raw.startsWith("/")) return { ok: false, rule: "absolute paths are not allowed" };
  const segments = raw.split("/").filter((s) => s !== "" && s !== ".");
  // Any ".." is refused, even one that stays inside (a/../b): "zip slip" (../../x) is the
  // classic escape, and allowing "harmless" ones invites off-by-one mistakes.
  if (segments.includes("..")) return { ok: false, rule: "path escapes the pack" };
  return { ok: true, value: segments };
}

const SETID_BITS = 0o6000;
const PERMISSION_BITS = 0o777;

/**
 * Returns the mode to create the entry with.
 * setuid/setgid refuse the pack: a setuid-root binary dropped by an agent running as root is a
 * privilege escalation for any local user. The sticky bit is merely stripped (harmless, but not
 * ours to set). Directories always keep owner rwx so extraction, and later removal, can proceed.
 */
export function checkEntryMode(mode: number | undefined, kind: PackEntryKind): RuleResult<number> {
  const fallback = kind === "directory" ? 0o755 : 0o644;
  if (mode === undefined) return { ok: true, value: fallback };
  if (!Number.isSafeInteger(mode) || mode < 0) {
    return { ok: false, rule: `invalid mode ${String(mode)}` };
  }
  if ((mode & SETID_BITS) !== 0) {
    return { ok: false, rule: `setuid/setgid bits are not allowed (mode ${mode.toString(8)})` };
  }
  const permissions = mode & PERMISSION_BITS;
  return { ok: true, value: kind === "directory" ? permissions | 0o700 : permissions };
}

/** Sizes must be finite non-negative integers; a pax `size=` record is free text. */
export function checkEntrySize(size: number, kind: PackEntryKind): RuleResult<number> {
  if (!Number.isSafeInteger(size) || size < 0) {
    return { ok: false, rule: `invalid size ${String(size)}` };
  }
  if (kind === "directory" && size !== 0) {
    return { ok: false, rule: "directory entry carries data" };
  }
  return { ok: true, value: size };
}

const MAX_LABEL = 200;

/** `entry "name"` with control characters escaped, for refusal reasons and logs. */
export function entryLabel(path: string): string {
  // clipped: a hostile 64 KiB name should not flood the logs
  const shown = path.length > MAX_LABEL ? `${path.slice(0, MAX_LABEL)}…` : path;
  return `entry ${JSON.stringify(shown)}`;
}

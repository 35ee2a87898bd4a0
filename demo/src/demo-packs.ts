import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as tar from "tar";

/**
 * The demo's sample packs: a pos-client whose service is a long sleep and
 * whose health check passes, except 1.2.0's, which passes only once the
 * demo "fixes its configuration" (a flag file), so Rolled Back and a
 * successful retry can both be shown.
 */
export async function buildDemoPack(
  dir: string,
  version: string,
  flagFile: string | null,
): Promise<string> {
  const root = join(dir, `pos-client-${version}`);
  await mkdir(join(root, "bin"), { recursive: true });
  const descriptor = {
    name: "pos-client",
    version,
    ...(version === "1.0.0" ? {} : { updatableFrom: `>=1.0.0 <${version}` }),
    service: {
      start: "bin/start",
      health: { command: "bin/health", timeoutSeconds: 2, intervalSeconds: 0.2 },
    },
    hooks: { beforeInstall: "bin/before-install" },
  };
  await writeFile(
    join(root, "function-pack-descriptor.json"),
    `${JSON.stringify(descriptor, null, 2)}\n`,
  );
  const scripts: Record<string, string> = {
    "bin/start": "#!/bin/sh\nexec sleep 100000\n",
    "bin/health": flagFile === null ? "#!/bin/sh\nexit 0\n" : `#!/bin/sh\ntest -f '${flagFile}'\n`,
    "bin/before-install": `#!/bin/sh\necho "preparing pos-client ${version}"\n`,
  };
  for (const [path, body] of Object.entries(scripts)) {
    await writeFile(join(root, path), body);
    await chmod(join(root, path), 0o755);
  }
  const archive = join(dir, `pos-client-${version}.tgz`);
  await tar.c({ gzip: true, cwd: root, portable: true, file: archive }, ["."]);
  return archive;
}

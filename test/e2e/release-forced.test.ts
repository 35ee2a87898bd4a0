import { readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readMarker } from "../support/packs.js";
import { ReleaseFleet } from "./release-kit.js";
import { installsOf, recordingPack, rowOf } from "./release-probes.js";

/**
 * Issue 11, acceptance 4: a forced task may be cancelled only by the platform
 * admin; a downgrade needs --allow-downgrade and is created with a warning;
 * a redeploy installs the active version again on a real agent (a new
 * release folder, the service restarted, reported OK).
 */

const TILLS = ["1001/01", "1002/01"];
const AN_HOUR = 60 * 60 * 1000;

describe("release tasks end to end: forced, downgrade, redeploy", { timeout: 120_000 }, () => {
  let fleet: ReleaseFleet;
  beforeAll(async () => {
    fleet = await ReleaseFleet.create(
      "release-forced",
      [recordingPack("1.0.0"), recordingPack("1.1.0")],
      { tills: TILLS },
    );
    await fleet.addOperator("olga", "operator");
    await fleet.addOperator("petra", "admin", "--scope", "DE");
  }, 90_000);
  afterAll(async () => {
    await fleet?.close();
  });

  it("E: a forced task's cancel is refused for an operator and a partner admin, and done by the platform admin", async () => {
    const created = await fleet.createRelease("olga", {
      name: "forced security fix",
      function: "pos-client",
      version: "1.1.0",
      // Inside petra's scope, so what refuses her is the forced rule, not her scope.
      target: { group: ["DE"] },
      stages: [{ name: "all" }],
      forced: true,
      schedule: { mode: "at", at: new Date(Date.now() + AN_HOUR).toISOString() },
    });
    expect(created.state).toBe("Scheduled");
    const rule = `release ${created.id} is forced: only the platform admin may cancel it`;
    for (const who of ["olga", "petra"]) {
      const refused = await fleet.cli(who, "release", "cancel", created.id);
      expect(refused.code, `${who}: ${refused.stdout}`).not.toBe(0);
      expect(refused.stderr).toContain(rule);
      expect((await fleet.show(created.id)).state).toBe("Scheduled");
    }
    await fleet.operate("admin", "cancel", created.id);
    expect((await fleet.show(created.id)).state).toBe("Cancelled");
  });

  it("E: a downgrade is refused without --allow-downgrade and created with a warning with it", async () => {
    await fleet.kit.install("1.1.0");
    await fleet.kit.coordinator.console(
      "set-preferred",
      "--function",
      "pos-client",
      "--version",
      "-",
      "--all",
    );
    const document = {
      name: "back to 1.0.0",
      function: "pos-client",
      version: "1.0.0",
      stages: [{ name: "all" }],
    };
    const refused = await fleet.tryCreateRelease("rita", document);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      "version 1.0.0 is older than the active 1.1.0 on 2 rows: compatibility with older versions is not guaranteed; create it with --allow-downgrade",
    );
    const allowed = await fleet.tryCreateRelease("rita", document, "--allow-downgrade", "--json");
    expect(allowed.code, allowed.stderr).toBe(0);
    const answer = JSON.parse(allowed.stdout) as { id: string; state: string; warnings?: string[] };
    expect(answer.state).toBe("Ready");
    expect(answer.warnings).toEqual([
      "compatibility with older versions is not guaranteed: 2 rows go back from 1.1.0 to 1.0.0",
    ]);
    // The API says the same with "allowDowngrade": true.
    const api = await fleet.api("rita", "POST", "/api/releases", {
      ...document,
      name: "back to 1.0.0 (API)",
      allowDowngrade: true,
    });
    expect(api.status, JSON.stringify(api.body)).toBeLessThan(300);
    expect((api.body as { warnings?: string[] }).warnings).toEqual(answer.warnings);
    // Without --json the CLI prints the warning.
    const printed = await fleet.tryCreateRelease("rita", document, "--allow-downgrade");
    expect(printed.code, printed.stderr).toBe(0);
    expect(`${printed.stdout}${printed.stderr}`).toContain(
      "warning: compatibility with older versions is not guaranteed: 2 rows go back from 1.1.0 to 1.0.0",
    );
    // The three downgrades made here are not for running: cancelled, so they hold no rows.
    const list = await fleet.api("admin", "GET", "/api/releases");
    for (const release of list.body as { id: string; state: string }[])
      if (release.state === "Ready") await fleet.operate("admin", "cancel", release.id);
  });

  it("E: a redeploy reinstalls 1.1.0 where it is active: a new release folder, a new service process, reported OK", async () => {
    const agent = fleet.agent("1001/01");
    const releasesDir = join(agent.root, "pos-client", "releases");
    const foldersBefore = await readdir(releasesDir);
    const currentBefore = await readlink(join(agent.root, "pos-client", "current"));
    const before = await readMarker(agent.markers, "pos-client");
    expect(before).toMatchObject({ version: "1.1.0" });
    const installsBefore = await installsOf(agent);

    const created = await fleet.createRelease("rita", {
      name: "redeploy 1.1.0 in 1001",
      function: "pos-client",
      version: "1.1.0",
      target: { store: ["1001"] },
      stages: [{ name: "all" }],
      redeploy: true,
    });
    await fleet.operate("rita", "start", created.id);
    const began = Date.now();
    const done = await fleet.untilRelease(
      created.id,
      "Successful",
      (r) => r.state === "Successful",
    );
    const ms = Date.now() - began;
    expect(done.release.stages[0]?.counts).toMatchObject({ OK: 1 });
    expect(rowOf(done.rows, "1001/01")).toMatchObject({ status: "OK", activeVersion: "1.1.0" });

    const foldersAfter = await readdir(releasesDir);
    const newFolders = foldersAfter.filter((f) => !foldersBefore.includes(f));
    expect(newFolders).toHaveLength(1);
    expect(newFolders[0]).toMatch(/^1\.1\.0~/);
    const currentAfter = await readlink(join(agent.root, "pos-client", "current"));
    expect(currentAfter).not.toBe(currentBefore);
    expect(currentAfter).toContain(newFolders[0]);
    const after = await readMarker(agent.markers, "pos-client");
    expect(after?.version).toBe("1.1.0");
    expect(after?.pid).not.toBe(before?.pid);
    // The new process runs from the new folder.
    expect(await readlink(`/proc/${after?.pid}/cwd`)).toBe(join(releasesDir, newFolders[0] ?? ""));
    // One more install attempt of 1.1.0, under a new request id; the other store untouched.
    const installs = await installsOf(agent);
    expect(installs.slice(installsBefore.length)).toHaveLength(1);
    expect(installs.at(-1)?.version).toBe("1.1.0");
    expect(installsBefore.map((i) => i.requestId)).not.toContain(installs.at(-1)?.requestId);
    const other = (await installsOf(fleet.agent("1002/01"))).filter((i) => i.version === "1.1.0");
    expect(other).toHaveLength(1);
    console.log(
      `redeploy: Successful after ${ms} ms; new folder ${newFolders[0]}, service pid ${before?.pid} -> ${after?.pid}`,
    );
  });
});

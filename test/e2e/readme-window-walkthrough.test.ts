import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { daysAhead, firstDayFrom, isoAt, isoDay } from "./future-dates.js";
import { type Ran, ReadmeShell, walkthrough } from "./readme-shell.js";
import { type ReleaseView, rowOf } from "./release-probes.js";
import { WindowFleet } from "./window-fleet.js";

const SECTION = "### Scheduling a release into store windows, step by step";
const BERLIN = "waiting for the maintenance window (opens 02:00 Europe/Berlin)";
const LISBON = "waiting for the maintenance window (opens 02:00 Europe/Lisbon)";

/**
 * The night the walk-through runs: a Tuesday ahead of now (it was 2027-11-30,
 * which a TestClock could not start at once it had passed), in winter time
 * (Berlin UTC+1, Lisbon UTC+0: the hour apart the text counts on), not in the
 * week before Christmas (the README's freeze would cover it). The README's
 * freeze is moved to that night's year.
 */
const NIGHT = firstDayFrom(daysAhead(1), (day) => {
  const [month, date] = [day.getUTCMonth(), day.getUTCDate()];
  const winter = month === 10 || (month === 11 && date <= 13) || month === 0 || month === 1;
  return day.getUTCDay() === 2 && winter;
});
const YEAR = NIGHT.getUTCFullYear();
/** The README's blackout line, moved to YEAR. */
const inYear = (line: string) => line.replaceAll("2027-12-2", `${YEAR}-12-2`);

/**
 * Runs the README's window walk-through line by line with a `tillroll` on
 * the PATH against a coordinator and three agents on one TestClock (two
 * German stores, one in Lisbon), starting at 01:30 Berlin on a Tuesday and
 * moving the clock where the text says the night goes on: into Berlin's
 * window, then Lisbon's. The release ends where the text says.
 */
describe("README window walk-through, executed", () => {
  let fleet: WindowFleet | undefined;
  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
  });

  it("every line runs; each store installs in its own window and the release ends Successful", async () => {
    const world = await WindowFleet.create("readme-window", {
      at: isoAt(NIGHT, "00:30"),
      packs: [
        { name: "pos-client", version: "1.0.0" },
        { name: "pos-client", version: "1.1.0" },
      ],
      tills: { "1001/01": "EU/DE/North", "1002/01": "EU/DE/South", "1003/01": "EU/PT" },
      installed: "1.0.0",
    });
    fleet = world;
    const shell = await ReadmeShell.create(world.dir.path, world.coordinator.httpUrl, world.token);
    const { document, lines: asWritten } = await walkthrough(SECTION);
    const lines = asWritten.map(inYear);
    await writeFile(join(shell.work, "night.json"), document);
    expect(lines.length).toBeGreaterThanOrEqual(7);

    const ran: Ran[] = [];
    let night = false;
    for (const line of lines) {
      if (line.includes("release show 1") && !night) {
        night = true;
        // Where the text says the tills wait: they do, each for its own window.
        await world.untilRows(
          "every till waiting for its window",
          (rs) =>
            ["1001/01", "1002/01"].every((t) => rowOf(rs, t).reason === BERLIN) &&
            rowOf(rs, "1003/01").reason === LISBON,
        );
        world.clock.jumpTo(`${isoDay(NIGHT)}T01:00:05Z`); // 02:00:05 Berlin, 01:00:05 Lisbon
        const berlin = await world.untilRows("the German stores on 1.1.0", (rs) =>
          ["1001/01", "1002/01"].every(
            (t) => rowOf(rs, t).status === "OK" && rowOf(rs, t).activeVersion === "1.1.0",
          ),
        );
        expect(rowOf(berlin, "1003/01")).toMatchObject({
          status: "Prepared",
          activeVersion: "1.0.0",
        });
        world.clock.jumpTo(`${isoDay(NIGHT)}T02:00:05Z`); // 02:00:05 Lisbon
        await world.untilState("1", "Successful");
      }
      const result = await shell.run(line);
      ran.push(result);
      expect(result.code, `${line}\n${result.stdout}\n${result.stderr}`).toBe(0);
    }
    const said = (part: string) => ran.find((r) => r.line.includes(part)) as Ran;
    expect(said("window list").stdout).toMatch(/EU[\s\S]*Europe\/Berlin/);
    expect(said("tillroll status").stdout.split("\n")[0]).toBe(
      `Platform maintenance ${YEAR}-12-20 00:00Z to ${YEAR}-12-27 00:00Z: Christmas freeze`,
    );
    expect(said("tillroll status").stdout).toMatch(/SCHEDULED/);
    const ended = JSON.parse(
      await readFile(join(shell.work, "release-1.json"), "utf8"),
    ) as ReleaseView;
    expect(ended.state).toBe("Successful");
    const rows = await world.rows();
    for (const till of ["1001/01", "1002/01", "1003/01"])
      expect(rowOf(rows, till)).toMatchObject({ status: "OK", activeVersion: "1.1.0" });
  }, 120_000);
});

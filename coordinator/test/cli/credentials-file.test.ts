import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resolveTarget } from "../../src/cli/console-client.js";
import {
  credentialsPath,
  forgetLogin,
  saveLogin,
  storedLogin,
} from "../../src/cli/credentials-file.js";

const roots: string[] = [];
function home(): NodeJS.ProcessEnv {
  const root = mkdtempSync(join(tmpdir(), "tillroll-creds-"));
  roots.push(root);
  return { XDG_CONFIG_HOME: join(root, "config"), HOME: root };
}
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

const login = (token: string) => ({ name: "anna", token, savedAt: "2026-11-30T08:00:00.000Z" });

describe("the tillroll login credentials file", () => {
  it("lives in $XDG_CONFIG_HOME/tillroll, else ~/.config/tillroll", () => {
    expect(credentialsPath({ XDG_CONFIG_HOME: "/x", HOME: "/h" })).toBe(
      "/x/tillroll/credentials.json",
    );
    expect(credentialsPath({ HOME: "/h" })).toBe("/h/.config/tillroll/credentials.json");
  });

  it("keeps one token per URL, mode 0600 in a 0700 folder; logout forgets one", async () => {
    const env = home();
    const path = await saveLogin("http://a:8080/", login("ta"), env);
    await saveLogin("http://b:8080", login("tb"), env);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
    expect((await storedLogin("http://a:8080", env))?.token).toBe("ta");
    expect(await forgetLogin("http://a:8080", env)).toBe(true);
    expect(await forgetLogin("http://a:8080", env)).toBe(false);
    expect(await storedLogin("http://a:8080", env)).toBeUndefined();
    expect((await storedLogin("http://b:8080", env))?.token).toBe("tb");
    expect(readFileSync(path, "utf8")).not.toContain("ta");
  });

  it("refuses a damaged file with a message saying what to do", async () => {
    const env = home();
    const path = await saveLogin("http://a:8080", login("ta"), env);
    writeFileSync(path, "{not json");
    await expect(storedLogin("http://a:8080", env)).rejects.toThrow(/not JSON: delete it/);
  });

  it("console commands use the saved token after --token and TILLROLL_TOKEN", async () => {
    const env = home();
    await saveLogin("http://a:8080", login("saved"), env);
    const url = { url: "http://a:8080" };
    expect((await resolveTarget(url, env)).token).toBe("saved");
    expect((await resolveTarget(url, { ...env, TILLROLL_TOKEN: "env" })).token).toBe("env");
    expect((await resolveTarget({ ...url, token: "flag" }, env)).token).toBe("flag");
  });
});

import {
  mosquittoPasswordLine,
  mosquittoUsernameProblem,
} from "../broker-config/mosquitto-password.js";

/** The Mosquitto password line of the --broker URL's account, if it has one. */
export function brokerAccountLine(
  brokerUrl: string | undefined,
): { username: string; passwordLine: string } | null {
  if (brokerUrl === undefined) return null;
  const parsed = new URL(brokerUrl);
  const username = decodeURIComponent(parsed.username);
  if (username === "" || mosquittoUsernameProblem(username) !== null) return null;
  return {
    username,
    passwordLine: mosquittoPasswordLine(username, decodeURIComponent(parsed.password)),
  };
}

/** The URL without its user and password: what agents are told (they have their own). */
export function stripCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.username = "";
  parsed.password = "";
  return parsed.toString().replace(/\/$/, "");
}

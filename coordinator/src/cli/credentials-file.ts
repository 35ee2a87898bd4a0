import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";

/**
 * Where `tillroll login` keeps its session tokens: one per coordinator URL,
 * in `$XDG_CONFIG_HOME/tillroll/credentials.json` (else
 * `~/.config/tillroll/credentials.json`), mode 0600 in a 0700 folder.
 * `tillroll logout` removes the URL's entry.
 */

const entrySchema = z.object({ name: z.string(), token: z.string().min(1), savedAt: z.string() });
const fileSchema = z.object({ version: z.literal(1), tokens: z.record(z.string(), entrySchema) });

export type StoredLogin = z.infer<typeof entrySchema>;
type CredentialsFile = z.infer<typeof fileSchema>;

export function credentialsPath(env: NodeJS.ProcessEnv): string {
  const base =
    env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== ""
      ? env.XDG_CONFIG_HOME
      : join(env.HOME ?? homedir(), ".config");
  return join(base, "tillroll", "credentials.json");
}

/** `http://h:8080/` and `http://h:8080` are one coordinator. */
export function urlKey(url: string): string {
  return url.replace(/\/+$/, "");
}

async function readCredentials(path: string): Promise<CredentialsFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, tokens: {} };
    throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON: delete it and run \`tillroll login\` again`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`${path} is not a tillroll credentials file: delete it and log in again`);
  return parsed.data;
}

/** Atomic and private: a temp file (0600) renamed over the old one. */
async function writeCredentials(path: string, file: CredentialsFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.tmp-${randomBytes(6).toString("hex")}`;
  try {
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temp, 0o600);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export async function storedLogin(
  url: string,
  env: NodeJS.ProcessEnv,
): Promise<StoredLogin | undefined> {
  const file = await readCredentials(credentialsPath(env));
  return file.tokens[urlKey(url)];
}

export async function saveLogin(
  url: string,
  login: StoredLogin,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const path = credentialsPath(env);
  const file = await readCredentials(path);
  file.tokens[urlKey(url)] = login;
  await writeCredentials(path, file);
  return path;
}

/** Removes the URL's token; false when there was none. */
export async function forgetLogin(url: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const path = credentialsPath(env);
  const file = await readCredentials(path);
  if (file.tokens[urlKey(url)] === undefined) return false;
  delete file.tokens[urlKey(url)];
  await writeCredentials(path, file);
  return true;
}

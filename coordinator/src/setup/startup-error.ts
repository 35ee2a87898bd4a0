/**
 * A problem that stops the coordinator from starting and that the operator
 * fixes (a port in use, a bad --host, a data folder that is a file): the CLI
 * prints its message as one line, without a stack trace, and exits 1.
 */
export class StartupError extends Error {}

const LISTEN_HINTS: Readonly<Record<string, (where: string, flag: string) => string>> = {
  EADDRINUSE: (where, flag) =>
    `${where} is already in use (another coordinator or program listens there): stop it, or choose another ${flag}`,
  EACCES: (where, flag) =>
    `${where}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE): choose another ${flag}`,
  EADDRNOTAVAIL: (where) =>
    `${where}: that address is not one of this machine's: give --host one of its addresses, or 0.0.0.0 for all`,
  ENOTFOUND: (where) =>
    `${where}: no such host name: give --host an address or a name of this machine`,
  EAI_AGAIN: (where) => `${where}: the host name could not be resolved now: give --host an address`,
};

/**
 * A listen failure in the operator's words: which flag, which address, what
 * to do (`--http-port 8080: 127.0.0.1:8080 is already in use …`). Anything
 * not understood is returned as it was.
 */
export function explainListenError(
  error: unknown,
  flag: "--http-port" | "--mqtt-port" | "--plain-http-port" | "--plain-mqtt-port",
  host: string,
  port: number,
): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const hint = code === undefined ? undefined : LISTEN_HINTS[code];
  if (hint === undefined) return error;
  const where = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  return new StartupError(`${flag} ${port}: ${hint(where, flag)}`);
}

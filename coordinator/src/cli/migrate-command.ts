import { ConsoleError, UsageError } from "./console-client.js";
import { EXIT_CODES } from "./exit-codes.js";
import type { CliValues } from "./options.js";

/**
 * `tillroll migrate --from DATA --to postgres://…`: moves a JSON-store
 * coordinator's data into an empty PostgreSQL database, in one transaction
 * (a failure leaves the database empty), and prints what it moved. The
 * PostgreSQL code is loaded only here, so other commands never load `pg`.
 */
export async function runMigrateCommand(
  values: CliValues,
  write: (text: string) => void,
): Promise<number> {
  const from = values.from;
  const to = values.to;
  if (from === undefined || to === undefined)
    throw new UsageError("migrate: --from DATA and --to postgres://… are required");
  const { databaseUrlProblem, MigrateRefusal } = await import("../store/migrate/migrate-checks.js");
  const problem = databaseUrlProblem(to);
  if (problem !== null) throw new UsageError(`migrate: ${problem}`);
  const { migrateJsonToPostgres } = await import("../store/migrate/migrate-to-postgres.js");
  try {
    const report = await migrateJsonToPostgres({
      dataDir: from,
      databaseUrl: to,
      log: (line) => write(`${line}\n`),
    });
    write(`${report.join("\n")}\n`);
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof MigrateRefusal) throw new ConsoleError(`migrate: ${error.message}`);
    throw error;
  }
}

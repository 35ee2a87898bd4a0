import type { Queryable } from "../pg/pg-database.js";
import type { StoreSnapshot } from "./store-snapshot.js";

/** TODO(pg-extra): the kinds of pg-core's migration 001, once its tables land. */
export async function writeCoreKinds(_tx: Queryable, _snapshot: StoreSnapshot): Promise<void> {}

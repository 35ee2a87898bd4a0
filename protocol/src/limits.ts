/**
 * Hard limits of the protocol. Both sides enforce them, and the coordinator's
 * broker refuses larger publishes before they reach anyone.
 */

/** Largest MQTT payload either side accepts (a 1 MB publish is refused). */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** Identifiers: store, workstation, function, request ids. */
export const MAX_ID_LENGTH = 64;

/** Free text meant for people: reasons, notices. */
export const MAX_REASON_LENGTH = 1024;

/** One install-log line; longer hook output lines are cut by the agent. */
export const MAX_LOG_LINE_LENGTH = 4096;

/** Flow services on one workstation. */
export const MAX_SERVICES_PER_WORKSTATION = 64;

/** Logged-in users reported by a POS in one session document. */
export const MAX_SESSION_USERS = 64;

/** URLs of artifacts and health endpoints. */
export const MAX_URL_LENGTH = 2048;

/** Paths inside a pack (relative to the release folder). */
export const MAX_PACK_PATH_LENGTH = 256;

/** Business unit group paths such as `DE/North/Hamburg`. */
export const MAX_GROUP_LENGTH = 256;

/** Version strings (semver) and version ranges. */
export const MAX_VERSION_LENGTH = 128;
export const MAX_RANGE_LENGTH = 256;

/**
 * The channels the projector NOTIFYs inside its transactions, so a listener learns of a change
 * exactly when the read models show it.
 */

/** Each batch, with the batch's last position: every read model then reflects every event up to it. */
export const PROJECTED_CHANNEL = 'projections_advanced';

/** Query-apis push presence frames; the payload is a JSON array of `{userId, online, lastSeen}`. */
export const PRESENCE_CHANNEL = 'presence';

/** Every process that authenticates stops accepting the device's token; the payload is the device id. */
export const DEVICE_REVOKED_CHANNEL = 'device_revoked';

/** The projector's position as its checkpoints say (each batch moves the checkpoints it touches to its last position). */
export const PROJECTED_POSITION_SQL = 'SELECT coalesce(max(position), 0) AS position FROM projection_checkpoints';

/**
 * The projector NOTIFYs this channel in each batch's transaction, with the batch's last
 * position: every read model then reflects every event up to it.
 */
export const PROJECTED_CHANNEL = 'projections_advanced';

/** The projector's position as its checkpoints say (each batch moves the checkpoints it touches to its last position). */
export const PROJECTED_POSITION_SQL = 'SELECT coalesce(max(position), 0) AS position FROM projection_checkpoints';

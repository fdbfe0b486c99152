/**
 * SQL that turns a stored feed event into the frame a client receives: the payload with its
 * cursor, and for the sender's own copy of a message, `status: "sent"`.
 */
export const frameSql = (event: string, own: string) => `
  jsonb_set(
    CASE WHEN ${own} AND ${event}.payload->>'type' = 'message'
         THEN jsonb_set(${event}.payload, '{message,status}', '"sent"') ELSE ${event}.payload END,
    '{cursor}', to_jsonb(${event}.position::text))::text`;

import { ValidateBy, ValidationOptions } from 'class-validator';

/** Positions are PostgreSQL bigints. */
const MAX_POSITION = 2n ** 63n - 1n;

/** A cursor as this server issues them: a decimal global position. */
export const isCursor = (text: unknown): text is string => typeof text === 'string' && /^\d{1,19}$/.test(text) && BigInt(text) <= MAX_POSITION;

/** class-validator decorator for cursor fields. */
export const IsCursor = (options?: ValidationOptions) =>
  ValidateBy({ name: 'isCursor', validator: { validate: isCursor, defaultMessage: () => 'must be a cursor (a decimal position) received from this server' } }, options);

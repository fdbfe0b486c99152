/** The time fields events carry, in the order they are looked for. */
const TIME_FIELDS = ['sentAt', 'at', 'registeredAt', 'createdAt'] as const;

/**
 * When the fact happened, as the command that decided it saw the clock: the event's own
 * `sentAt`, `at`, `registeredAt` or `createdAt`; undefined for an event without one.
 */
export function eventTime(data: Record<string, unknown>): Date | undefined {
  for (const key of TIME_FIELDS) {
    const value = data[key];
    if (typeof value === 'string') {
      const time = new Date(value);
      if (!Number.isNaN(time.getTime())) return time;
    }
  }
  return undefined;
}

/**
 * PostgreSQL is stopping: 57P01, told to by a signal; 57P03, not accepting connections; 57014
 * "due to user request", a statement cancelled because Ctrl-C reached its backend process too.
 */
export function isServerShutdown(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code === '57P01' || code === '57P03' || (code === '57014' && /due to user request/.test(message ?? ''));
}

/** The connection to PostgreSQL is gone (the server stopping or unreachable), as opposed to a statement it refused. */
export function isConnectionLoss(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return (
    isServerShutdown(error) ||
    (code !== undefined && (code.startsWith('08') || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(code))) ||
    /Connection terminated|is not queryable|the database system is (shutting down|starting up)|Called end on pool more than once/.test(message ?? '') ||
    // TypeORM's word for a transaction whose connection was lost under it.
    (error as { name?: string } | null)?.name === 'QueryRunnerProviderAlreadyReleasedError'
  );
}

/** PostgreSQL is stopping (57P01: told to by a signal, e.g. Ctrl-C reached it too; 57P03: not accepting connections). */
export const isServerShutdown = (error: unknown) => ['57P01', '57P03'].includes((error as { code?: string } | null)?.code ?? '');

/** The connection to PostgreSQL is gone (the server stopping or unreachable), as opposed to a statement it refused. */
export function isConnectionLoss(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return (
    isServerShutdown(error) ||
    (code !== undefined && (code.startsWith('08') || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(code))) ||
    /Connection terminated|connection error and is not queryable/.test(message ?? '') ||
    // TypeORM's word for a transaction whose connection was lost under it.
    (error as { name?: string } | null)?.name === 'QueryRunnerProviderAlreadyReleasedError'
  );
}

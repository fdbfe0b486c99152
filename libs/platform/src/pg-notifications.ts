import pg from 'pg';
import type { Logger } from 'pino';
import { isServerShutdown } from '../../net/src/pg-errors.js';

type Handler = (payload: string) => void;

/**
 * One LISTEN connection per process for every channel it follows (feed, presence, typing,
 * device revocations). It reconnects after a failure and then calls `onReconnect` handlers, so
 * followers can re-read whatever a lost notification would have told them.
 */
export class PgNotifications {
  private client?: pg.Client;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnectHandlers = new Set<() => void>();
  private connecting?: Promise<void>;
  /** LISTEN commands run one after another: a pg client must not be given two queries at once. */
  private listening: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private reconnecting?: NodeJS.Timeout;

  constructor(
    private readonly connectionString: string,
    private readonly logger: Logger,
  ) {}

  async listen(channel: string, handler: Handler): Promise<() => void> {
    let set = this.handlers.get(channel);
    const fresh = !set;
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(handler);
    await this.connect();
    if (fresh) await this.command(`LISTEN ${channel}`);
    return () => set!.delete(handler);
  }

  onReconnect(handler: () => void): void {
    this.reconnectHandlers.add(handler);
  }

  /** Sends on a channel through any pool (NOTIFY needs no LISTEN connection). */
  static notify(db: { query(sql: string, params: unknown[]): Promise<unknown> }, channel: string, payload: string) {
    return db.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  private connect(): Promise<void> {
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.connectionString });
      client.on('notification', (message) => {
        for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '');
      });
      client.on('error', (error) => {
        if (this.client !== client) return; // already lost: one connection, one report
        // Info, not a warning: it also happens whenever the database restarts or stops first (Ctrl-C).
        if (this.stopped || isServerShutdown(error)) this.logger.debug('LISTEN connection closed by the database shutting down');
        else this.logger.info({ code: (error as { code?: string }).code, reason: error.message }, 'LISTEN connection lost; reconnecting');
        this.client = undefined;
        this.connecting = undefined;
        this.scheduleReconnect();
      });
      await client.connect();
      this.client = client;
      for (const channel of this.handlers.keys()) await this.command(`LISTEN ${channel}`);
    })();
    return this.connecting;
  }

  private command(sql: string): Promise<unknown> {
    this.listening = this.listening.catch(() => undefined).then(() => this.client?.query(sql));
    return this.listening;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnecting) return;
    this.reconnecting = setTimeout(() => void this.reconnect(), 1_000);
  }

  private async reconnect(): Promise<void> {
    this.reconnecting = undefined;
    try {
      await this.connect();
      this.logger.info('LISTEN connection restored');
      for (const handler of this.reconnectHandlers) handler();
    } catch (error) {
      this.connecting = undefined;
      this.logger.debug({ code: (error as { code?: string }).code, reason: (error as Error).message }, 'LISTEN reconnect failed; retrying');
      this.scheduleReconnect();
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnecting);
    await this.client?.end().catch(() => undefined);
  }
}

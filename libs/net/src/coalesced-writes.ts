import type { Writable } from 'node:stream';
import pg from 'pg';

/**
 * System calls dominate the cost of a message here: node-postgres writes each protocol message
 * of a query (parse, bind, describe, execute, sync) with its own `write`, and every WebSocket
 * frame is another. This corks a socket at its first write in a turn of the event loop and
 * uncorks it once that turn's synchronous work and promise callbacks are done, so everything a
 * turn writes to one socket leaves in one system call, with no added wait.
 */
export function coalesceWrites(socket: Writable): void {
  const write = socket.write;
  let corked = false;
  socket.write = function (this: Writable, ...args: unknown[]) {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    return (write as (...a: unknown[]) => boolean).apply(socket, args);
  } as Writable['write'];
}

/**
 * A node-postgres pool whose connections coalesce their writes (see `coalesceWrites`), and never
 * crash the process when the database drops a connection that is checked out between two
 * statements (TypeORM holds one through a transaction without listening for its errors): the
 * loss then shows as the next statement's error, which its caller handles.
 */
export class CoalescingPool extends pg.Pool {
  constructor(config?: pg.PoolConfig) {
    super(config);
    this.on('connect', (client) => {
      // The client's socket (pg's typings declare it: `Client.connection.stream`).
      coalesceWrites(client.connection.stream);
      client.on('error', () => undefined);
    });
  }
}

/** The `pg` module with that pool, for libraries that take a driver (TypeORM's `driver` option). */
export const coalescingPg = { ...pg, Pool: CoalescingPool };

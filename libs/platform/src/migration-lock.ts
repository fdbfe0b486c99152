import pg from 'pg';

/** Replicas start together; one at a time may change the schema. */
export async function withMigrationLock<T>(databaseUrl: string, migrate: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7310442002)');
    return await migrate();
  } finally {
    await client.end();
  }
}

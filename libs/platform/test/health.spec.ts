import { describe, expect, it } from 'vitest';
import { toProtocolError } from '../../protocol/src/errors.js';
import { Metrics } from '../src/metrics.js';
import { OperationsController } from '../src/platform.module.js';

const operations = (query: () => Promise<unknown>) => new OperationsController(new Metrics(), { query });

describe('GET /health', () => {
  it('is ok while the database answers', async () => {
    expect(await operations(async () => [{ '?column?': 1 }]).health()).toEqual({ status: 'ok' });
  });

  it('is 503 database_unavailable in the protocol error shape when it does not', async () => {
    const failure = await operations(() => Promise.reject(new Error('connect ECONNREFUSED'))).health().catch((error: unknown) => error);
    expect(toProtocolError(failure)).toMatchObject({ status: 503, body: { error: { code: 'database_unavailable' } } });
  });
});

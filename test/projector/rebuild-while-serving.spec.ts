import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allProjections, Projector } from '../../libs/projections/src/projector.js';
import { FeedProjection } from '../../libs/projections/src/feed.projection.js';
import { rebuildWhileServing } from '../../libs/projections/src/rebuild-while-serving.js';
import { Api, eventually, FeedClient, registerUser, sendText, TestUser } from '../support/client.js';
import { snapshotReadModels } from '../support/read-models.js';
import { startTestSystem, TestSystem } from '../support/system.js';

describe('rebuilding projections while the system serves', () => {
  let system: TestSystem;
  let api: Api;
  let alice: TestUser;
  let bob: TestUser;

  const caughtUp = async () => {
    const head = await system.runtime.eventStore.headPosition();
    await eventually(
      () => system.runtime.readModels.query('SELECT position FROM projection_checkpoints') as Promise<{ position: string }[]>,
      (rows) => rows.length > 0 && rows.every((r) => BigInt(r.position) >= head),
    );
  };

  beforeAll(async () => {
    system = await startTestSystem();
    api = new Api(system.baseUrl);
    [alice, bob] = await Promise.all([registerUser(api), registerUser(api)]);
    for (let i = 0; i < 300; i++) await sendText(api, i % 2 ? alice : bob, i % 2 ? bob : alice, `history ${i}`);
    await caughtUp();
  }, 120_000);
  afterAll(() => system.close());

  it('keeps serving reads and the live feed during the rebuild, switches to the new tables, and ends identical to a clean replay', async () => {
    const bobSocket = await FeedClient.connect(system.wsUrl, bob.token);
    let sending = true;
    let sentDuring = 0;
    const traffic = (async () => {
      while (sending) {
        await sendText(api, alice, bob, `during ${sentDuring++}`);
        const inbox = await api.get('/v1/conversations', bob.token);
        expect(inbox.status).toBe(200);
        expect(inbox.body).toHaveLength(1);
      }
    })();
    const positions: bigint[] = [];
    const result = await rebuildWhileServing({
      databaseUrl: system.databaseUrl,
      live: system.runtime.readModels,
      store: system.runtime.eventStore,
      projections: allProjections(),
      batchSize: 50,
      progress: { update: (position) => positions.push(position) },
    });
    sending = false;
    await traffic;
    expect(sentDuring).toBeGreaterThan(0);
    expect(result.events).toBeGreaterThan(300);
    expect(positions.length).toBeGreaterThan(1);

    // Every message sent during the rebuild reached the socket, once, in order.
    await bobSocket.nextOfType('message', sentDuring);
    const bodies = bobSocket.ofType('message').map((f) => f.message.body);
    expect(bodies).toEqual(Array.from({ length: sentDuring }, (_, i) => `during ${i}`));
    await bobSocket.close();

    // After the switch the live projector goes on writing the new tables.
    await sendText(api, bob, alice, 'after the switch');
    await caughtUp();
    const history = await api.get(`/v1/conversations/${bobSocket.ofType('message')[0].message.conversationId}/messages?limit=1`, alice.token);
    expect(history.body.map((m: { body: string }) => m.body)).toEqual(['after the switch']);
    const afterSwitch = await snapshotReadModels(system.databaseUrl);

    await new Projector(system.runtime.readModels, system.runtime.eventStore).rebuild();
    expect(await snapshotReadModels(system.databaseUrl)).toEqual(afterSwitch);
  }, 120_000);

  it('rebuilds a single projection, reading the others from the live tables', async () => {
    const before = await snapshotReadModels(system.databaseUrl);
    await rebuildWhileServing({
      databaseUrl: system.databaseUrl,
      live: system.runtime.readModels,
      store: system.runtime.eventStore,
      projections: [new FeedProjection()],
    });
    expect(await snapshotReadModels(system.databaseUrl)).toEqual(before);
    const leftovers: unknown[] = await system.runtime.readModels.query(
      "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild_%' OR nspname LIKE 'replaced_%'",
    );
    expect(leftovers).toEqual([]);
  }, 60_000);
});

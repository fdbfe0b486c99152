// Media nothing names any more is removed (docs/protocol.md, "Media"): once every message naming
// it is erased, or, never sent, after a day; profile photos and group icons keep theirs.
import { randomUUID } from 'node:crypto';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, type TestUser } from '../support/client.js';
import { useTestSystem } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { download, uploadedMedia, uploadedPhoto } from '../support/media.js';

const clock = new ManualClock();
const h = useTestSystem({}, { clock });
const MINUTE = 60_000;

const stored = (mediaId: string) =>
  access(path.join(h.system.mediaDir, 'objects', mediaId, 'original')).then(
    () => true,
    () => false,
  );

const uploadPhoto = (user: TestUser) => uploadedPhoto(h.system.baseUrl, user.token);

describe('the media sweeper', () => {
  it('removes media whose messages were all erased, then unsent uploads after a day, and keeps what is still named', async () => {
    const [ann, ben] = await h.users(2);
    const unsent = await uploadPhoto(ann);
    const erased = await uploadPhoto(ann);
    const kept = await uploadPhoto(ann);
    const avatar = await uploadPhoto(ann);
    const send = (mediaId: string) => h.api().post('/v1/messages', { clientMsgId: randomUUID(), to: { userId: ben.userId }, kind: 'image', mediaId }, ann.token);
    const doomed = await send(erased);
    expect((await send(kept)).status).toBe(201);
    expect((await h.api().request('PATCH', '/v1/me/profile', { avatarMediaId: avatar }, ann.token)).status).toBe(200);
    const deleted = await h.api().request('DELETE', `/v1/conversations/${doomed.body.conversationId}/messages/${doomed.body.messageId}?for=everyone`, undefined, ann.token);
    expect(deleted.status).toBe(200);
    // The projector erases the media with the message (its key is destroyed): unreadable at once.
    await eventually(() => download(h.system.baseUrl, ann.token, `/v1/media/${erased}/content`), (r) => r.status === 404);
    expect(await stored(erased)).toBe(true);

    // A minute on (the grace a send in flight gets), the sweeper removes its bytes too.
    clock.advance(MINUTE + 1);
    await eventually(() => stored(erased), (present) => !present);
    expect(await Promise.all([unsent, kept, avatar].map(stored))).toEqual([true, true, true]);

    // A day after upload, the upload nothing ever named goes; what messages and profiles name stays.
    clock.advance(24 * 60 * MINUTE);
    await eventually(() => stored(unsent), (present) => !present);
    expect(await Promise.all([kept, avatar].map(stored))).toEqual([true, true]);
    expect((await download(h.system.baseUrl, ben.token, `/v1/media/${kept}/content`)).status).toBe(200);
    expect((await download(h.system.baseUrl, ann.token, `/v1/media/${unsent}/content`)).status).toBe(404);
    expect((await download(h.system.baseUrl, ben.token, `/v1/media/${avatar}/content`)).status).toBe(200);
  });

  it('a profile photo or group icon must be an image its setter may use', async () => {
    const [ann, ben] = await h.users(2);
    const mine = await uploadPhoto(ann);
    const document = await uploadedMedia(h.system.baseUrl, ann.token, 'document');
    expect((await h.api().request('PATCH', '/v1/me/profile', { avatarMediaId: mine }, ben.token)).status).toBe(403);
    expect((await h.api().request('PATCH', '/v1/me/profile', { avatarMediaId: 'no-such-media' }, ann.token)).status).toBe(404);
    expect((await h.api().request('PATCH', '/v1/me/profile', { avatarMediaId: document }, ann.token)).status).toBe(400);
    const group = await h.api().post('/v1/groups', { name: 'g', members: [ben.userId] }, ann.token);
    expect((await h.api().request('PATCH', `/v1/groups/${group.body.groupId}`, { iconMediaId: mine }, ann.token)).status).toBe(200);
    // Members may fetch the icon.
    await eventually(() => download(h.system.baseUrl, ben.token, `/v1/media/${mine}/content`), (r) => r.status === 200);
  });
});

// Media (docs/protocol.md, "Media"): uploads checked from their bytes and sealed at rest,
// thumbnails made off the request path, and downloads only for those who were sent the media.
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { eventually, type TestUser } from '../support/client.js';
import { expectError } from '../support/expect.js';
import { useTestSystem } from '../support/harness.js';
import { download, photo, sha256, upload } from '../support/media.js';

const h = useTestSystem();
const base = () => h.system.baseUrl;

const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n'), randomBytes(3000), Buffer.from('\n%%EOF\n')]);

async function uploadPhoto(user: TestUser, bytes?: Buffer) {
  const image = bytes ?? (await photo());
  const result = await upload(base(), user.token, 'image', image);
  expect(result.status, result.body.toString()).toBe(201);
  return { image, media: result.json };
}

const describeMedia = (user: TestUser, mediaId: string) => h.api().get(`/v1/media/${mediaId}`, user.token);
const thumbnailsSettled = (user: TestUser, mediaId: string) => eventually(() => describeMedia(user, mediaId), (r) => r.body?.thumbnails !== 'pending');
const sendMedia = (from: TestUser, to: { userId: string } | { groupId: string }, kind: string, mediaId: string) =>
  h.api().post('/v1/messages', { clientMsgId: randomUUID(), to, kind, mediaId }, from.token);

/** Every object file under the media folder's store (thumbnails and originals). */
async function storedObjects(): Promise<string[]> {
  const root = path.join(h.system.mediaDir, 'objects');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

/** How many media keys the vault holds, destroyed ones included. */
async function mediaKeysInVault(): Promise<number> {
  const client = new pg.Client({ connectionString: h.system.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM es_data_keys WHERE key_id LIKE 'media:%'`);
    return rows[0].n;
  } finally {
    await client.end();
  }
}

describe('uploading', () => {
  it('stores an image with the type found in its bytes and its SHA-256, then makes its thumbnails', async () => {
    const [ann] = await h.users(1);
    const image = await photo(800, 600);
    // The declared Content-Type is wrong on purpose: the server reads the bytes, not the header.
    const result = await upload(base(), ann.token, 'image', image, { contentType: 'text/plain' });
    expect(result.status, result.body.toString()).toBe(201);
    expect(result.json).toEqual({
      mediaId: expect.any(String), uploaderId: ann.userId, kind: 'image', mimeType: 'image/png', size: image.length, sha256: sha256(image),
      encrypted: false, width: null, height: null, thumbnails: 'pending', createdAt: expect.any(String),
    });
    const ready = await thumbnailsSettled(ann, result.json.mediaId);
    expect(ready.body).toMatchObject({ thumbnails: 'ready', width: 800, height: 600 });
    for (const [size, box] of [['small', [96, 96]], ['medium', [480, 360]]] as const) {
      const thumbnail = await download(base(), ann.token, `/v1/media/${result.json.mediaId}/thumbnails/${size}`);
      expect(thumbnail.status).toBe(200);
      expect(thumbnail.headers['content-type']).toBe('image/jpeg');
      const meta = await sharp(thumbnail.body).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', ...box]);
    }
  });

  it('keeps media sealed at rest: the stored bytes are not the upload', async () => {
    const [ann] = await h.users(1);
    const { image, media } = await uploadPhoto(ann);
    const stored = (await storedObjects()).filter((name) => name.startsWith(media.mediaId));
    expect(stored).toContain(`${media.mediaId}/original`);
    const { readFile } = await import('node:fs/promises');
    const raw = await readFile(path.join(h.system.mediaDir, 'objects', media.mediaId, 'original'));
    expect(raw.length).toBeGreaterThan(image.length);
    expect(raw.includes(image.subarray(0, 64))).toBe(false);
    expect(raw.subarray(0, 8).equals(image.subarray(0, 8))).toBe(false);
  });

  it('refuses bytes that are not of the declared kind (a spoofed type) with 415, and keeps nothing', async () => {
    const [ann] = await h.users(1);
    const before = await storedObjects();
    const keysBefore = await mediaKeysInVault();
    for (const [kind, bytes] of [['image', PDF], ['video', await photo(32, 32)], ['audio', Buffer.from('#!/bin/sh\nrm -rf /\n'.repeat(400))]] as const) {
      const result = await upload(base(), ann.token, kind, bytes, { contentType: `${kind}/mp4` });
      expectError({ status: result.status, body: result.json }, 415, 'media_type_mismatch');
    }
    // (Thumbnails of earlier tests' images may still arrive: only a new original would be a kept upload.)
    expect((await storedObjects()).filter((name) => name.endsWith('/original') && !before.includes(name))).toEqual([]);
    // Not even a destroyed key: the vault hears of an upload only once it is accepted.
    expect(await mediaKeysInVault()).toBe(keysBefore);
  });

  it('takes any document, typed from its bytes, and an encrypted blob as is', async () => {
    const [ann] = await h.users(1);
    const pdf = await upload(base(), ann.token, 'document', PDF, { contentType: 'image/png' });
    expect(pdf.status).toBe(201);
    expect(pdf.json).toMatchObject({ kind: 'document', mimeType: 'application/pdf', thumbnails: 'none', sha256: sha256(PDF) });
    const blob = randomBytes(70_000);
    const sealed = await upload(base(), ann.token, 'image', blob, { encrypted: true });
    expect(sealed.status).toBe(201);
    expect(sealed.json).toMatchObject({ kind: 'image', mimeType: 'application/octet-stream', encrypted: true, thumbnails: 'none', size: blob.length, sha256: sha256(blob) });
    const back = await download(base(), ann.token, `/v1/media/${sealed.json.mediaId}/content`);
    expect(back.status).toBe(200);
    expect(back.body.equals(blob)).toBe(true);
    expect(back.headers['content-type']).toBe('application/octet-stream');
  });

  it('refuses a declared length over the kind\'s limit before reading it (413), and bad parameters (400, 401)', async () => {
    const [ann] = await h.users(1);
    const tooBig = await upload(base(), ann.token, 'image', Buffer.alloc(1024), { headers: { 'content-length': String(16 * 1024 * 1024 + 1) } });
    expect(tooBig.status).toBe(413);
    expect(tooBig.json.error.code).toBe('media_too_large');
    const badKind = await upload(base(), ann.token, 'sticker', PDF);
    expectError({ status: badKind.status, body: badKind.json }, 400, ['kind']);
    expect((await upload(base(), 'not-a-token', 'document', PDF)).status).toBe(401);
  });
});

describe('sending and fetching', () => {
  it('a message may name only media its sender uploaded (or was sent), of its own kind', async () => {
    const [ann, ben, cy] = await h.users(3);
    const { media } = await uploadPhoto(ann);
    expectError(await sendMedia(ann, { userId: ben.userId }, 'image', 'm_whatever'), 404, 'media_not_found');
    expectError(await sendMedia(cy, { userId: ben.userId }, 'image', media.mediaId), 403, 'media_not_allowed');
    expectError(await sendMedia(ann, { userId: ben.userId }, 'document', media.mediaId), 400, 'media_kind_mismatch');
    expect((await sendMedia(ann, { userId: ben.userId }, 'image', media.mediaId)).status).toBe(201);
    // Ben was sent it: he may send it on (a forward made by hand), Cy still may not.
    expect((await sendMedia(ben, { userId: cy.userId }, 'image', media.mediaId)).status).toBe(201);
  });

  it('the socket\'s send frame applies the same rule, and the recipient\'s frame names the media', async () => {
    const [ann, ben] = await h.users(2);
    const { media } = await uploadPhoto(ann);
    const [annSocket, benSocket] = await Promise.all([h.connect(ann), h.connect(ben)]);
    await benSocket.ping();
    annSocket.send({ type: 'send', clientMsgId: 'ws-unknown', to: { userId: ben.userId }, kind: 'image', mediaId: randomUUID() });
    const [refused] = await annSocket.nextOfType('error');
    expect(refused).toMatchObject({ clientMsgId: 'ws-unknown', error: { code: 'media_not_found' } });
    annSocket.send({ type: 'send', clientMsgId: 'ws-photo', to: { userId: ben.userId }, kind: 'image', mediaId: media.mediaId });
    await annSocket.nextOfType('sent');
    const [frame] = await benSocket.nextOfType('message');
    expect(frame.message).toMatchObject({ kind: 'image', mediaId: media.mediaId, senderId: ann.userId });
    // What the frame names is enough to fetch the preview at once.
    await thumbnailsSettled(ann, media.mediaId);
    expect((await download(base(), ben.token, `/v1/media/${frame.message.mediaId}/thumbnails/small`)).status).toBe(200);
  });

  it('the uploader and the recipient may fetch it, whole or by range, with caching headers; nobody else may', async () => {
    const [ann, ben, cy] = await h.users(3);
    const { image, media } = await uploadPhoto(ann);
    const path = `/v1/media/${media.mediaId}/content`;
    expect((await download(base(), ben.token, path)).status).toBe(403);
    expect((await sendMedia(ann, { userId: ben.userId }, 'image', media.mediaId)).status).toBe(201);
    for (const user of [ann, ben]) {
      const whole = await download(base(), user.token, path);
      expect(whole.status).toBe(200);
      expect(whole.body.equals(image)).toBe(true);
      expect(whole.headers).toMatchObject({ 'content-type': 'image/png', 'accept-ranges': 'bytes', etag: `"${media.sha256}"`, 'cache-control': 'private, max-age=31536000, immutable' });
    }
    // A range across a segment boundary of the sealed object opens only what it needs, exactly.
    const part = await download(base(), ben.token, path, { range: 'bytes=65530-70000' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 65530-70000/${image.length}`);
    expect(part.body.equals(image.subarray(65530, 70001))).toBe(true);
    const tail = await download(base(), ben.token, path, { range: 'bytes=-10' });
    expect(tail.body.equals(image.subarray(image.length - 10))).toBe(true);
    expect((await download(base(), ben.token, path, { range: `bytes=${image.length}-` })).status).toBe(416);
    expect((await download(base(), ben.token, path, { 'if-none-match': `"${media.sha256}"` })).status).toBe(304);
    expect((await download(base(), cy.token, path)).status).toBe(403);
    expect((await download(base(), cy.token, `/v1/media/${media.mediaId}/thumbnails/small`)).status).toBe(403);
    expect((await h.api().get(`/v1/media/${media.mediaId}`, cy.token)).status).toBe(403);
    expect((await download(base(), undefined, path)).status).toBe(401);
    expect((await download(base(), ben.token, `/v1/media/${randomUUID()}/content`)).status).toBe(404);
  });

  it('a member removed from a group loses the media sent after the removal, keeps what was sent before', async () => {
    const [ann, ben] = await h.users(2);
    const group = await h.api().post('/v1/groups', { name: 'trip', members: [ben.userId] }, ann.token);
    const groupId = group.body.groupId;
    const before = (await uploadPhoto(ann)).media;
    expect((await sendMedia(ann, { groupId }, 'image', before.mediaId)).status).toBe(201);
    expect((await h.api().request('DELETE', `/v1/groups/${groupId}/members/${ben.userId}`, undefined, ann.token)).status).toBe(200);
    const after = (await uploadPhoto(ann)).media;
    expect((await sendMedia(ann, { groupId }, 'image', after.mediaId)).status).toBe(201);
    expect((await download(base(), ben.token, `/v1/media/${before.mediaId}/content`)).status).toBe(200);
    expect((await download(base(), ben.token, `/v1/media/${after.mediaId}/content`)).status).toBe(403);
  });

  it('a user blocked by the sender may no longer fetch what they were sent', async () => {
    const [ann, ben] = await h.users(2);
    const { media } = await uploadPhoto(ann);
    expect((await sendMedia(ann, { userId: ben.userId }, 'image', media.mediaId)).status).toBe(201);
    expect((await download(base(), ben.token, `/v1/media/${media.mediaId}/content`)).status).toBe(200);
    expect((await h.api().post(`/v1/users/${ben.userId}/block`, {}, ann.token)).status).toBeLessThan(300);
    expect((await download(base(), ben.token, `/v1/media/${media.mediaId}/content`)).status).toBe(403);
    expect((await download(base(), ann.token, `/v1/media/${media.mediaId}/content`)).status).toBe(200);
  });

  it('deleting the message for everyone erases its media: nobody can fetch it, nor send it again', async () => {
    const [ann, ben] = await h.users(2);
    const { media } = await uploadPhoto(ann);
    const sent = await sendMedia(ann, { userId: ben.userId }, 'image', media.mediaId);
    await thumbnailsSettled(ann, media.mediaId);
    const deleted = await h.api().request('DELETE', `/v1/conversations/${sent.body.conversationId}/messages/${sent.body.messageId}?for=everyone`, undefined, ann.token);
    expect(deleted.status).toBe(200);
    for (const user of [ann, ben]) {
      await eventually(() => download(base(), user.token, `/v1/media/${media.mediaId}/content`), (r) => r.status === 404);
    }
    expectError(await sendMedia(ann, { userId: ben.userId }, 'image', media.mediaId), 404, 'media_not_found');
  });
});

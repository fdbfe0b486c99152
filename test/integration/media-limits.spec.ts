// Media uploads the server must survive (docs/protocol.md, "Media"): a document one byte over
// the limit, streamed without a length, is refused as it crosses the limit while the server's
// memory stays flat; a resumable (tus) upload cut off halfway resumes where it stopped.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { useTestSystem } from '../support/harness.js';
import { download, generatedBytes, rawRequest, sha256, upload } from '../support/media.js';

const h = useTestSystem();
const MiB = 1024 * 1024;

/** The test process hosts the server: its resident memory is the server's (plus this client's, which generates bytes as it sends them). */
const rss = () => process.memoryUsage().rss;

describe('an upload over the limit', () => {
  it('a 100 MiB + 1 byte document sent without a length is refused with 413 as it crosses the limit, and memory does not grow by its size', async () => {
    const [ann] = await h.users(1);
    // Warm up the path (first-use allocations of the pipeline and the cipher are not the upload's).
    expect((await upload(h.system.baseUrl, ann.token, 'document', randomBytes(MiB))).status).toBe(201);
    global.gc?.();
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rss())), 20);
    const body = generatedBytes(100 * MiB + 1);
    let sent = 0;
    body.on('data', (chunk: Buffer) => (sent += chunk.length));
    // No Content-Length: the body is chunked, so the server learns its size only by reading it.
    const result = await upload(h.system.baseUrl, ann.token, 'document', body, { headers: { 'transfer-encoding': 'chunked' } });
    clearInterval(sampler);
    expect(result.status, result.body.toString()).toBe(413);
    expect(result.json.error).toMatchObject({ code: 'media_too_large', details: { kind: 'document', maxBytes: 100 * MiB } });
    // It read up to the limit (the refusal came as the limit was crossed, not before) ...
    expect(sent).toBeGreaterThan(100 * MiB - 4 * MiB);
    // ... and held a bounded part of it, well under the 100 MiB that passed through (what it does
    // hold is mostly 64 KiB segment buffers the garbage collector has not reclaimed yet).
    expect(peak - before).toBeLessThan(64 * MiB);
    expect(
      (await h.system.runtime.readModels.query('SELECT count(*)::int AS n FROM media_objects WHERE uploader_id = $1', [ann.userId]))[0].n,
    ).toBe(1);
  });

  it('a declared length over the limit is refused before a byte is read', async () => {
    const [ann] = await h.users(1);
    const body = generatedBytes(100 * MiB + 1);
    let sent = 0;
    body.on('data', (chunk: Buffer) => (sent += chunk.length));
    const result = await upload(h.system.baseUrl, ann.token, 'document', body, { headers: { 'content-length': String(100 * MiB + 1) } });
    expect(result.status).toBe(413);
    expect(sent).toBeLessThan(20 * MiB);
  });
});

describe('a resumable upload (tus 1.0)', () => {
  const tus = (extra: Record<string, string | number>, token: string) => ({ 'tus-resumable': '1.0.0', authorization: `Bearer ${token}`, ...extra });
  const metadata = (kind: string) => `kind ${Buffer.from(kind).toString('base64')}`;

  it('cut off halfway, resumes from the offset the server reports and completes', async () => {
    const [ann, ben] = await h.users(2);
    const video = Buffer.concat([Buffer.from('000000206674797069736f6d0000020069736f6d69736f32617663316d703431', 'hex'), randomBytes(3 * MiB)]);
    const created = await rawRequest(`${h.system.baseUrl}/v1/media/uploads`, {
      method: 'POST',
      headers: tus({ 'upload-length': video.length, 'upload-metadata': metadata('video') }, ann.token),
    });
    expect(created.status, created.body.toString()).toBe(201);
    const location = `${h.system.baseUrl}${created.headers.location}`;

    // The connection drops after about half the bytes.
    await new Promise<void>((resolve) => {
      const request = http.request(location, { method: 'PATCH', headers: tus({ 'upload-offset': 0, 'content-type': 'application/offset+octet-stream', 'content-length': video.length }, ann.token) });
      request.on('error', () => resolve());
      request.write(video.subarray(0, 1.5 * MiB), () => setTimeout(() => {
        request.destroy();
        resolve();
      }, 200));
    });

    // Someone else cannot see or continue it.
    expect((await rawRequest(location, { method: 'HEAD', headers: tus({}, ben.token) })).status).toBe(404);
    let offset = 0;
    for (let attempt = 0; attempt < 50; attempt++) {
      const head = await rawRequest(location, { method: 'HEAD', headers: tus({}, ann.token) });
      expect(head.status).toBe(200);
      offset = Number(head.headers['upload-offset']);
      if (offset > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(video.length);

    const finished = await rawRequest(location, {
      method: 'PATCH',
      headers: tus({ 'upload-offset': offset, 'content-type': 'application/offset+octet-stream', 'content-length': video.length - offset }, ann.token),
      body: video.subarray(offset),
    });
    expect(finished.status, finished.body.toString()).toBe(200);
    expect(finished.json).toMatchObject({ kind: 'video', mimeType: 'video/mp4', size: video.length, sha256: sha256(video), uploaderId: ann.userId });
    const back = await download(h.system.baseUrl, ann.token, `/v1/media/${finished.json.mediaId}/content`);
    expect(back.body.equals(video)).toBe(true);
  });

  it('refuses a declared length over the limit (413), a missing kind (400), a spoofed type when complete (415)', async () => {
    const [ann] = await h.users(1);
    const create = (length: number, meta?: string) =>
      rawRequest(`${h.system.baseUrl}/v1/media/uploads`, { method: 'POST', headers: tus({ 'upload-length': length, ...(meta ? { 'upload-metadata': meta } : {}) }, ann.token) });
    expect((await create(16 * MiB + 1, metadata('image'))).status).toBe(413);
    const noKind = await create(10);
    expect(noKind.status).toBe(400);
    expect(noKind.json.error.code).toBe('validation_failed');
    const text = Buffer.from('not an image at all, just words\n'.repeat(200));
    const created = await create(text.length, metadata('image'));
    expect(created.status).toBe(201);
    const patched = await rawRequest(`${h.system.baseUrl}${created.headers.location}`, {
      method: 'PATCH',
      headers: tus({ 'upload-offset': 0, 'content-type': 'application/offset+octet-stream', 'content-length': text.length }, ann.token),
      body: text,
    });
    expect(patched.status).toBe(415);
    expect(patched.json.error.code).toBe('media_type_mismatch');
    expect((await rawRequest(`${h.system.baseUrl}/v1/media/uploads`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': 10 } })).status).toBe(401);
  });
});

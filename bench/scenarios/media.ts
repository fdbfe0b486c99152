// Media on loopback: a 5 MiB photo (a JPEG, as phones send) uploaded, sent, and fetched by its
// recipient, several times. Figures: upload and download throughput (MiB/s), and the time from
// the upload's start until its thumbnails are ready (product target: a 5 MB upload in under 3 s
// on a phone network; here it is the server's share of that).
import { randomBytes, randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { log, nowMs, sleep } from '../lib/log.js';
import { Samples } from '../lib/stats.js';
import type { BenchContext, Scenario } from './types.js';

const ROUNDS = 8;
const MiB = 1024 * 1024;

/** A JPEG of noise: about 5 MiB, and as costly to decode as a photo of that size. */
async function fiveMiBPhoto(): Promise<Buffer> {
  const [width, height] = [2832, 2124];
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
}

export async function media(ctx: BenchContext) {
  const [sender, recipient] = await ctx.devices.take(2);
  const photo = await fiveMiBPhoto();
  const upload = new Samples();
  const download = new Samples();
  const thumbnailsReady = new Samples();
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  for (let round = 0; round < ROUNDS; round++) {
    const started = nowMs();
    const uploaded = await fetch(`${ctx.server.httpBase}/v1/media?kind=image`, { method: 'POST', headers: { ...auth(sender.token), 'content-type': 'image/jpeg' }, body: new Uint8Array(photo) });
    const body = (await uploaded.json()) as { mediaId: string; thumbnails: string };
    if (uploaded.status !== 201) throw new Error(`upload answered ${uploaded.status}: ${JSON.stringify(body)}`);
    const stored = nowMs();
    upload.add(stored - started);
    for (let state = body.thumbnails; state === 'pending'; ) {
      await sleep(2);
      state = ((await (await fetch(`${ctx.server.httpBase}/v1/media/${body.mediaId}`, { headers: auth(sender.token) })).json()) as { thumbnails: string }).thumbnails;
      if (state !== 'pending' && state !== 'ready') throw new Error(`thumbnails ${state}`);
    }
    thumbnailsReady.add(nowMs() - started);
    await ctx.api.call('POST', '/v1/messages', { clientMsgId: `media-${randomUUID()}`, to: { userId: recipient.userId }, kind: 'image', mediaId: body.mediaId }, sender.token);
    const fetchStarted = nowMs();
    const fetched = Buffer.from(await (await fetch(`${ctx.server.httpBase}/v1/media/${body.mediaId}/content`, { headers: auth(recipient.token) })).arrayBuffer());
    download.add(nowMs() - fetchStarted);
    if (!fetched.equals(photo)) throw new Error('the downloaded photo differs from the upload');
  }
  // Throughput of the median round.
  const mibPerS = (ms: number | null) => (ms === null ? null : Number((photo.length / MiB / (ms / 1000)).toFixed(1)));
  const [uploadMs, downloadMs, thumbnailsReadyMs] = [upload.summary(), download.summary(), thumbnailsReady.summary()];
  const result = {
    photoBytes: photo.length,
    rounds: ROUNDS,
    uploadMiBPerS: mibPerS(uploadMs.p50),
    downloadMiBPerS: mibPerS(downloadMs.p50),
    uploadMs,
    downloadMs,
    /** From the upload's first byte until GET /v1/media/{id} says the thumbnails are ready. */
    thumbnailsReadyMs,
  };
  log(`media: upload ${result.uploadMiBPerS} MiB/s, download ${result.downloadMiBPerS} MiB/s, thumbnails ready ${thumbnailsReadyMs.p50} ms after the upload began (p50)`);
  return result;
}

export const mediaScenario: Scenario = { name: 'media', run: media };

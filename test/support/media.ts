import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import sharp from 'sharp';

export interface RawResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body as JSON, when it is JSON. */
  json: any;
}

/**
 * One HTTP request with a streamed body, as a careful client makes it: it takes the server's
 * answer whenever it comes, even before the body is all sent (a refused upload is answered
 * early and the connection closed), where fetch would report the write error instead.
 */
export function rawRequest(
  url: string,
  options: { method: string; headers?: Record<string, string | number>; body?: Buffer | Readable },
): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: options.method, headers: options.headers });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks);
        let json: unknown;
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode!, headers: response.headers, body, json });
        if (options.body instanceof Readable) options.body.destroy();
      });
    });
    // A write cut short by the server's early answer is expected; only a request with no answer fails.
    request.on('error', (error) => setTimeout(() => reject(error), 200));
    if (options.body instanceof Readable) options.body.pipe(request);
    else request.end(options.body);
  });
}

export function upload(baseUrl: string, token: string, kind: string, body: Buffer | Readable, options: { encrypted?: boolean; contentType?: string; headers?: Record<string, string> } = {}) {
  const query = `kind=${kind}${options.encrypted ? '&encrypted=true' : ''}`;
  const headers: Record<string, string | number> = { authorization: `Bearer ${token}`, 'content-type': options.contentType ?? 'application/octet-stream' };
  if (Buffer.isBuffer(body)) headers['content-length'] = body.length;
  Object.assign(headers, options.headers);
  return rawRequest(`${baseUrl}/v1/media?${query}`, { method: 'POST', headers, body });
}

export function download(baseUrl: string, token: string | undefined, path: string, headers: Record<string, string> = {}) {
  return rawRequest(`${baseUrl}${path}`, { method: 'GET', headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
}

/** A PNG of random pixels (so it does not compress: about width × height × 3 bytes). */
export function photo(width = 640, height = 480): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).png().toBuffer();
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A stream of `size` bytes made as it is read (nothing held in memory), each chunk `chunkBytes` long. */
export function generatedBytes(size: number, chunkBytes = 256 * 1024): Readable {
  const chunk = Buffer.alloc(chunkBytes, 0x61);
  let left = size;
  return new Readable({
    read() {
      if (left <= 0) return this.push(null);
      const n = Math.min(left, chunkBytes);
      left -= n;
      this.push(n === chunkBytes ? chunk : chunk.subarray(0, n));
    },
  });
}

/** Uploads a small image as `token`'s user and answers its mediaId: what a message, profile photo or group icon may name. */
export const uploadedPhoto = (baseUrl: string, token: string) => uploadedMedia(baseUrl, token, 'image');

/** The smallest bytes of each kind whose type the server finds (by signature). */
export const SAMPLE_MEDIA: Record<'image' | 'video' | 'audio' | 'document', () => Promise<Buffer>> = {
  image: () => photo(32, 32),
  video: async () => Buffer.concat([Buffer.from('000000206674797069736f6d0000020069736f6d69736f32617663316d703431', 'hex'), randomBytes(5000)]),
  audio: async () => Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt '), randomBytes(5000)]),
  document: async () => Buffer.from('%PDF-1.4\n' + 'x'.repeat(5000)),
};

/** Uploads a sample of `kind` as `token`'s user and answers its mediaId. */
export async function uploadedMedia(baseUrl: string, token: string, kind: keyof typeof SAMPLE_MEDIA): Promise<string> {
  const result = await upload(baseUrl, token, kind, await SAMPLE_MEDIA[kind]());
  if (result.status !== 201) throw new Error(`upload answered ${result.status}: ${result.body.toString()}`);
  return result.json.mediaId;
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { webClientDirectory } from '../../libs/query-api/src/web-client.js';
import { useTestSystem } from '../support/harness.js';

/** The web client as the query side serves it at `/` (built by `npm run build` / `npm test` into dist/web). */

const directory = webClientDirectory();
const indexHtml = () => readFileSync(path.join(directory, 'index.html'), 'utf8');
/** The scripts a first load fetches: the entry and every chunk it preloads. */
const firstLoadScripts = () => [...indexHtml().matchAll(/<(?:script|link)[^>]+(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);

describe('the web client at /', () => {
  const h = useTestSystem();
  const get = (route: string, headers: Record<string, string> = {}) => fetch(h.system.baseUrl + route, { headers });

  it('serves index.html, compressed, revalidated, with a same-origin content security policy', async () => {
    const response = await get('/', { accept: 'text/html', 'accept-encoding': 'gzip' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await response.text()).toContain('<div id="root">');
  });

  it('caches hashed assets for good and compresses them', async () => {
    const [script] = firstLoadScripts();
    const response = await get(script, { 'accept-encoding': 'gzip' });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('content-encoding')).toBe('gzip');
  });

  it('answers a page path of the client with index.html, but leaves the server routes theirs', async () => {
    expect(await (await get('/chats/some-chat', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' })).text()).toContain('<div id="root">');
    const notAPage = await get('/chats/some-chat', { accept: '*/*' });
    expect(notAPage.status).toBe(404);
    expect((await notAPage.json()).error.code).toBe('route_not_found');
    const unknownApi = await get('/v1/no-such-route', { accept: 'text/html' });
    expect(unknownApi.status).toBe(404);
    expect((await unknownApi.json()).error.code).toBe('route_not_found');
    expect((await get('/health')).status).toBe(200);
    expect(await (await get('/docs-json')).json()).toHaveProperty('openapi');
    expect((await get('/metrics')).headers.get('content-type')).toMatch(/^text\/plain/);
    // a missing asset is a 404, not the page
    expect((await get('/assets/missing.js', { accept: 'text/html' })).status).toBe(404);
  });

  it('loads its first screen with less than 200 KB of compressed JavaScript', () => {
    const scripts = firstLoadScripts();
    expect(scripts.length).toBeGreaterThan(0);
    const gzipped = scripts.reduce((total, script) => total + gzipSync(readFileSync(path.join(directory, script))).length, 0);
    console.log(`web client first load: ${scripts.length} script(s), ${(gzipped / 1024).toFixed(1)} KB gzipped`);
    expect(gzipped).toBeLessThan(200 * 1024);
  });
});

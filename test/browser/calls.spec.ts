import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { registerUser, sendText, type TestUser } from '../support/client.js';
import { describeInBrowser, screenshot, useBrowser } from '../support/browser.js';
import { useTestSystem } from '../support/harness.js';

/** Two people in two Chromium tabs call each other with (fake) camera and microphone. */

interface MediaBytes {
  state: string;
  sent: { audio: number; video: number };
  received: { audio: number; video: number };
}

/** The call's peer connection as the page holds it: its state and the RTP bytes per kind each way. */
const mediaBytes = (page: Page) =>
  page.evaluate(async (): Promise<MediaBytes | null> => {
    const peers = (globalThis as unknown as { messengerCallPeers?: Map<string, RTCPeerConnection> }).messengerCallPeers;
    const pc = peers ? [...peers.values()][0] : undefined;
    if (!pc) return null;
    const bytes: MediaBytes = { state: pc.connectionState, sent: { audio: 0, video: 0 }, received: { audio: 0, video: 0 } };
    (await pc.getStats()).forEach((report: { type: string; kind?: 'audio' | 'video'; bytesSent?: number; bytesReceived?: number }) => {
      if (report.type === 'outbound-rtp' && report.kind) bytes.sent[report.kind] += report.bytesSent ?? 0;
      if (report.type === 'inbound-rtp' && report.kind) bytes.received[report.kind] += report.bytesReceived ?? 0;
    });
    return bytes;
  });

const flowing = (bytes: MediaBytes | null) =>
  bytes !== null && bytes.state === 'connected' && bytes.sent.audio > 0 && bytes.sent.video > 0 && bytes.received.audio > 0 && bytes.received.video > 0;

describeInBrowser('web client: a video call', () => {
  const h = useTestSystem();
  const chromium = useBrowser(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
  let alice: TestUser;
  let bob: TestUser;
  let alicePage: Page;
  let bobPage: Page;

  it('places a video call that the other tab answers; the peer connection connects and audio and video flow both ways', async () => {
    [alice, bob] = await Promise.all([registerUser(h.api(), undefined, 'alice browser'), registerUser(h.api(), undefined, 'bob browser')]);
    await sendText(h.api(), alice, bob, 'Call me');
    [alicePage, bobPage] = await Promise.all([chromium.page(h.system.baseUrl, alice), chromium.page(h.system.baseUrl, bob)]);
    await alicePage.getByRole('button', { name: /Call me/ }).click();
    await bobPage.getByRole('button', { name: /Call me/ }).waitFor();
    await alicePage.getByRole('button', { name: 'Video call' }).click();

    await bobPage.getByRole('dialog', { name: /Incoming call: video call/ }).waitFor();
    await bobPage.getByRole('button', { name: 'Accept' }).click();
    for (const page of [alicePage, bobPage]) await page.locator('[data-testid="call-status"][data-status="active"]').waitFor({ timeout: 20_000 });
    await expect.poll(() => mediaBytes(alicePage), { timeout: 20_000 }).toSatisfy(flowing);
    await expect.poll(() => mediaBytes(bobPage), { timeout: 20_000 }).toSatisfy(flowing);
    await screenshot(alicePage, 'video-call');

    await alicePage.getByRole('button', { name: 'Mute' }).click();
    await alicePage.getByRole('button', { name: 'Unmute' }).waitFor();
    await alicePage.getByRole('button', { name: 'Camera off' }).click();
    await alicePage.getByRole('button', { name: 'Camera on' }).waitFor();
  });

  it('hangs up, and both find the call in their history', async () => {
    await alicePage.getByRole('button', { name: 'Hang up' }).click();
    for (const page of [alicePage, bobPage]) {
      await page.getByTestId('call-status').waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Calls' }).click();
    }
    const itemIn = (page: Page) => page.getByTestId('call-history-item').first();
    await expect.poll(() => itemIn(alicePage).getAttribute('data-outcome')).toBe('completed');
    expect(await itemIn(alicePage).getAttribute('data-direction')).toBe('outgoing');
    await expect.poll(() => itemIn(bobPage).getAttribute('data-outcome')).toBe('completed');
    expect(await itemIn(bobPage).getAttribute('data-direction')).toBe('incoming');
    await screenshot(bobPage, 'call-history');
  });
});

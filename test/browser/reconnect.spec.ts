import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { feedUrl, MessengerApi } from '../../libs/client/src/index.js';
import { Api, eventually, registerUser, type TestUser } from '../support/client.js';
import { describeInBrowser, useBrowser } from '../support/browser.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

/** The page across a server restart: an offline banner, then what it missed, in order, once. And a 10,000-message chat. */

const LONG_CHAT = 10_000;
const bodies = (page: Page) => page.getByTestId('message').locator('p.body').allTextContents();

describeInBrowser('web client: offline, a server restart, and a long chat', () => {
  const chromium = useBrowser();
  let system: TestSystem;
  let alice: TestUser;
  let bob: TestUser;
  let page: Page;

  afterAll(() => system?.close());

  it('shows an offline banner while the server is down, then receives what was sent meanwhile, in order, once', async () => {
    system = await startTestSystem();
    const api = new Api(system.baseUrl);
    [alice, bob] = await Promise.all([registerUser(api), registerUser(api)]);
    const bobApi = new MessengerApi(system.baseUrl, bob.token);
    const send = (body: string) => bobApi.send({ clientMsgId: randomUUID(), to: { userId: alice.userId }, kind: 'text', body });
    await send('before 1');
    await send('before 2');

    page = await chromium.page(system.baseUrl, alice);
    await page.getByRole('button', { name: new RegExp(bob.phone.replace('+', '\\+')) }).click();
    await expect.poll(() => bodies(page)).toEqual(['before 1', 'before 2']);

    const { databaseUrl } = system;
    const port = Number(new URL(system.baseUrl).port);
    await system.close();
    await page.getByText('You are offline. Reconnecting…').waitFor();

    system = await startTestSystem({ DATABASE_URL: databaseUrl }, { port });
    // Sent before the page is back: it must come through the catch-up after its cursor.
    await send('while away 1');
    await send('while away 2');
    await page.getByText(/^Back online\./).waitFor({ timeout: 15_000 });
    await send('after');
    await expect.poll(() => bodies(page)).toEqual(['before 1', 'before 2', 'while away 1', 'while away 2', 'after']);
  });

  it('opens a chat of 10,000 messages with only a screenful in the page, and pages history in while scrolling up', { timeout: 240_000 }, async () => {
    await page.goto('about:blank');
    // Sent over one socket, pipelined: faster than 10,000 HTTP requests.
    const sendingStarted = Date.now();
    const socket = new WebSocket(feedUrl(system.wsUrl, bob.token));
    await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
    let answered = 0;
    const done = new Promise<void>((resolve) =>
      socket.on('message', (data) => {
        if (JSON.parse(String(data)).type === 'sent' && ++answered === LONG_CHAT) resolve();
      }),
    );
    for (let i = 1; i <= LONG_CHAT; i++) socket.send(JSON.stringify({ type: 'send', clientMsgId: `long-${i}`, to: { userId: alice.userId }, kind: 'text', body: `long ${i}` }));
    await done;
    socket.close();
    console.log(`10,000 messages sent in ${Date.now() - sendingStarted} ms`);
    // Timed once the read models have them all (a read waits for them: read your own writes).
    const aliceApi = new MessengerApi(system.baseUrl, alice.token);
    await eventually(() => aliceApi.conversations(), (inbox) => inbox[0]?.lastSeq >= LONG_CHAT, 120_000);

    // A tab of its own (no stored cursor): the chat is opened, not caught up frame by frame.
    const started = Date.now();
    page = await chromium.page(system.baseUrl, alice);
    await page.getByRole('button', { name: new RegExp(bob.phone.replace('+', '\\+')) }).click();
    await page.getByTestId('message').filter({ hasText: `long ${LONG_CHAT}` }).waitFor();
    const openedMs = Date.now() - started;
    const rendered = await page.getByTestId('message').count();
    console.log(`10,000-message chat: opened in ${openedMs} ms with ${rendered} message elements in the page`);
    expect(rendered).toBeLessThan(60);

    // Scrolling to the top loads the page before it, and keeps the page small.
    const log = page.getByRole('log', { name: 'Messages' });
    for (let i = 0; i < 3; i++) {
      await log.evaluate((element) => element.scrollTo({ top: 0 }));
      await page.getByTestId('message').filter({ hasText: `long ${LONG_CHAT - 50 * (i + 1)}` }).first().waitFor();
    }
    expect(await page.getByTestId('message').count()).toBeLessThan(60);
  });
});

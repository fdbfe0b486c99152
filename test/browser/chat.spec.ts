import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { expect, it } from 'vitest';
import { Api, registerUser, uniquePhone } from '../support/client.js';
import { describeInBrowser, screenshot, useBrowser } from '../support/browser.js';
import { useTestSystem } from '../support/harness.js';

/** Two people chat in two tabs of real Chromium against the real backend. */

async function signIn(page: Page, phone: string, name: string): Promise<void> {
  await page.getByLabel('Your phone number').fill(phone);
  await page.getByRole('button', { name: 'Send code' }).click();
  await page.getByTestId('dev-code').waitFor();
  await screenshot(page, 'sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Your name, as others see it').fill(name);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Contacts' }).waitFor();
}

const bubble = (page: Page, text: string) => page.getByTestId('message').filter({ hasText: text });
const ticksOf = (page: Page, text: string) => bubble(page, text).locator('[data-status]').getAttribute('data-status');
const subtitle = (page: Page) => page.getByTestId('chat-subtitle').textContent();

describeInBrowser('web client: two people chat', () => {
  const h = useTestSystem();
  const chromium = useBrowser();
  const phones = { alice: uniquePhone(), bob: uniquePhone() };
  let alice: Page;
  let bob: Page;

  it('signs in with a phone number and the development code shown on screen', async () => {
    [alice, bob] = await Promise.all([chromium.page(h.system.baseUrl), chromium.page(h.system.baseUrl)]);
    await signIn(alice, phones.alice, 'Alice');
    await signIn(bob, phones.bob, 'Bob');
  });

  it('finds a contact by number, sends, and the ticks go one grey, two grey, then two blue as the receipts arrive', async () => {
    await alice.getByRole('button', { name: 'Contacts' }).click();
    await alice.getByLabel('Find people by phone number').fill(phones.bob);
    await alice.getByRole('button', { name: 'Find' }).click();
    await alice.getByRole('button', { name: 'Message Bob' }).click();
    await alice.getByLabel('Message', { exact: true }).fill('Hello Bob');
    await alice.getByLabel('Message', { exact: true }).press('Enter');
    await bubble(alice, 'Hello Bob').waitFor();
    expect(['sent', 'delivered']).toContain(await ticksOf(alice, 'Hello Bob'));

    // Bob's tab has it (his device acknowledged delivery) but has not opened the chat.
    const row = bob.getByRole('button', { name: /Alice/ });
    await row.getByText('Hello Bob').waitFor();
    await expect.poll(() => row.getByLabel('1 unread').count()).toBe(1);
    await expect.poll(() => ticksOf(alice, 'Hello Bob')).toBe('delivered');
    await screenshot(bob, 'inbox');

    await row.click();
    await bubble(bob, 'Hello Bob').waitFor();
    await expect.poll(() => ticksOf(alice, 'Hello Bob')).toBe('read');
    await expect.poll(() => row.getByLabel(/unread/).count()).toBe(0);
  });

  it('shows the other one typing, then online', async () => {
    const composer = bob.getByLabel('Message', { exact: true });
    await composer.pressSequentially('Hi Al');
    await expect.poll(() => subtitle(alice)).toBe('typing…');
    await composer.fill('');
    await expect.poll(() => subtitle(alice)).toBe('online');
    await composer.fill('Hi Alice');
    await composer.press('Enter');
    await bubble(alice, 'Hi Alice').waitFor();
    await expect.poll(() => ticksOf(bob, 'Hi Alice')).toBe('read');
  });

  it('edits, reacts, stars, replies and deletes for everyone, and the other side sees each', async () => {
    const actions = async (text: string) => {
      await bubble(alice, text).getByRole('button', { name: 'Message actions' }).click();
      return alice.getByRole('menu');
    };
    await (await actions('Hi Alice')).getByRole('menuitem', { name: 'React 👍' }).click();
    await bubble(bob, 'Hi Alice').getByLabel('Reactions').getByText('👍').waitFor();

    await (await actions('Hello Bob')).getByRole('menuitem', { name: 'Edit' }).click();
    await alice.getByLabel('Message', { exact: true }).fill('Hello Bob, edited');
    await alice.getByLabel('Message', { exact: true }).press('Enter');
    await bubble(bob, 'Hello Bob, edited').getByText('edited', { exact: true }).waitFor();

    await (await actions('Hi Alice')).getByRole('menuitem', { name: 'Star' }).click();
    await bubble(alice, 'Hi Alice').getByLabel('Starred').waitFor();

    await (await actions('Hi Alice')).getByRole('menuitem', { name: 'Reply' }).click();
    await alice.getByLabel('Message', { exact: true }).fill('A reply');
    await alice.getByLabel('Message', { exact: true }).press('Enter');
    await bubble(bob, 'A reply').locator('blockquote').getByText('Hi Alice').waitFor();
    await screenshot(alice, 'chat');

    await (await actions('A reply')).getByRole('menuitem', { name: 'Delete for everyone' }).click();
    await expect.poll(() => bubble(bob, 'A reply').count()).toBe(0);
    await bob.getByRole('log').getByText('This message was deleted').waitFor();
  });

  it('sends a photo with a caption: the other side sees its thumbnail, and the photo itself on a click', async () => {
    const photo = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 230, g: 120, b: 40 } } }).png().toBuffer();
    await alice.getByLabel('Message', { exact: true }).fill('Look at this');
    await alice.getByLabel('Send a photo').setInputFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: photo });

    const seen = bubble(bob, 'Look at this').getByRole('img', { name: 'Photo', exact: true });
    await seen.waitFor();
    // The medium thumbnail (within 480×480), made by the server from the upload.
    await expect.poll(() => seen.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(480);
    await bubble(bob, 'Look at this').getByRole('button', { name: 'Photo: show full size' }).click();
    await expect.poll(() => seen.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(640);
    await bubble(alice, 'Look at this').getByRole('img', { name: 'Photo', exact: true }).waitFor();
  });

  it('blocking: the blocked one gets a plain notice, and unblocking in settings lets messages through again', async () => {
    await bob.getByRole('button', { name: 'Contact info' }).click();
    await bob.getByRole('button', { name: 'Block', exact: true }).click();
    await bob.getByRole('button', { name: 'Unblock' }).waitFor();

    await alice.getByLabel('Message', { exact: true }).fill('Are you there?');
    await alice.getByLabel('Message', { exact: true }).press('Enter');
    const notice = alice.getByRole('alert');
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/^You cannot send messages to this user\./);
    expect(await notice.textContent()).not.toContain('{');
    await notice.getByRole('button', { name: 'Dismiss' }).click();

    await bob.getByRole('button', { name: 'Settings' }).click();
    await bob.getByRole('list', { name: 'Blocked people' }).getByRole('button', { name: 'Unblock' }).click();
    await bob.getByText('Unblocked.').waitFor();
    await alice.getByLabel('Message', { exact: true }).fill('Are you there now?');
    await alice.getByLabel('Message', { exact: true }).press('Enter');
    await bob.getByRole('button', { name: 'Chats' }).click();
    await bob.getByRole('button', { name: /Alice/ }).getByText('Are you there now?').waitFor();
  });

  it('lists the devices and logs another one out', async () => {
    await registerUser(new Api(h.system.baseUrl), phones.alice, 'Old phone');
    await alice.getByRole('button', { name: 'Settings' }).click();
    const devices = alice.getByRole('list', { name: 'Devices' });
    await devices.getByText('Old phone').waitFor();
    await devices.getByRole('listitem').filter({ hasText: 'Old phone' }).getByRole('button', { name: 'Log out' }).click();
    await expect.poll(() => devices.getByText('Old phone').count()).toBe(0);
    await devices.getByText('(this device)').waitFor();
  });
});

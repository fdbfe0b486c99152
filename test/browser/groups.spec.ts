import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { AuditorDirectory } from '../../libs/audit/src/auditors.js';
import { RoleTokens } from '../../libs/auth/src/role-tokens.js';
import { MessengerApi } from '../../libs/client/src/index.js';
import type { TestUser } from '../support/client.js';
import { describeInBrowser, screenshot, useBrowser } from '../support/browser.js';
import { useTestSystem } from '../support/harness.js';
import { TEST_SECRETS } from '../support/system.js';

/** A group of three in three tabs, and an auditor replaying it. */

const bubble = (page: Page, text: string) => page.getByTestId('message').filter({ hasText: text });
const composer = (page: Page) => page.getByLabel('Message', { exact: true });

describeInBrowser('web client: a group of three, and the auditor view', () => {
  const h = useTestSystem();
  const chromium = useBrowser();
  let users: TestUser[];
  let pages: Page[];

  it('creates a group from contacts; every member gets its messages; the sender reads who has read it', async () => {
    users = await h.users(4);
    const [alice, bob, carol, dan] = users;
    for (const [user, name] of [[alice, 'Alice'], [bob, 'Bob'], [carol, 'Carol'], [dan, 'Dan']] as const) {
      await new MessengerApi(h.system.baseUrl, user.token).updateProfile({ displayName: name });
    }
    await new MessengerApi(h.system.baseUrl, alice.token).syncContacts([bob.phone, carol.phone, dan.phone]);
    pages = await Promise.all([alice, bob, carol].map((user) => chromium.page(h.system.baseUrl, user)));
    const [alicePage, bobPage, carolPage] = pages;

    await alicePage.getByRole('button', { name: 'New group' }).click();
    await alicePage.getByLabel('Group name').fill('Climbing');
    await alicePage.getByLabel('Bob').check();
    await alicePage.getByLabel('Carol').check();
    await alicePage.getByRole('button', { name: 'Create group' }).click();
    await composer(alicePage).fill('Saturday at nine?');
    await composer(alicePage).press('Enter');

    for (const page of [bobPage, carolPage]) {
      const row = page.getByRole('button', { name: /Climbing/ });
      await row.getByText('Alice: Saturday at nine?').waitFor();
    }
    await bobPage.getByRole('button', { name: /Climbing/ }).click();
    await bubble(bobPage, 'Saturday at nine?').getByText('Alice').waitFor();

    // Read by Bob, delivered to Carol: the message is delivered (two grey ticks), not yet read.
    const ticks = bubble(alicePage, 'Saturday at nine?').locator('[data-status]');
    await expect.poll(() => ticks.getAttribute('data-status')).toBe('delivered');
    await bubble(alicePage, 'Saturday at nine?').getByRole('button', { name: 'Message actions' }).click();
    await alicePage.getByRole('menuitem', { name: 'Info' }).click();
    const info = alicePage.getByTestId('receipt-info');
    await info.waitFor();
    // Bob's and Carol's devices acknowledge delivery at the same moment: either may be listed first.
    await expect.poll(() => info.textContent()).toMatch(/Read byBob.*Delivered to(Bob.*Carol|Carol.*Bob)/);
    await alicePage.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

    await carolPage.getByRole('button', { name: /Climbing/ }).click();
    await expect.poll(() => ticks.getAttribute('data-status')).toBe('read');
  });

  it('admins rename, add, promote and remove; a member leaves', async () => {
    const [alicePage, bobPage, carolPage] = pages;
    await alicePage.getByRole('button', { name: 'Group info' }).click();
    const panel = alicePage.getByRole('complementary', { name: 'Group info' });
    await panel.getByLabel('Group name').fill('Climbing club');
    await panel.getByRole('button', { name: 'Rename' }).click();
    await bobPage.getByRole('heading', { name: 'Climbing club' }).waitFor();

    await panel.getByLabel('Add a contact').selectOption({ label: 'Dan' });
    await panel.getByRole('button', { name: 'Add', exact: true }).click();
    const members = panel.getByRole('list', { name: 'Members' });
    await members.getByText('Dan').waitFor();
    await members.getByRole('listitem').filter({ hasText: 'Bob' }).getByRole('button', { name: 'Make admin' }).click();
    await members.getByRole('listitem').filter({ hasText: 'Bob' }).getByText('admin', { exact: true }).waitFor();
    await members.getByRole('listitem').filter({ hasText: 'Dan' }).getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => members.getByText('Dan').count()).toBe(0);
    await screenshot(alicePage, 'group-info');

    await carolPage.getByRole('button', { name: 'Group info' }).click();
    await carolPage.getByRole('button', { name: 'Leave group' }).click();
    await expect.poll(() => members.getByRole('listitem').count()).toBe(2);
  });

  it('an auditor picks the group, reads its timeline, and slides back to before the rename', async () => {
    const directory = new AuditorDirectory(h.system.runtime.eventStore);
    await directory.create('ann', 'auditor');
    const token = await new RoleTokens(TEST_SECRETS.jwtSecret).issue({ name: 'ann', role: 'auditor' });
    const page = await chromium.page(h.system.baseUrl);
    await page.goto(h.system.baseUrl + '/#/audit');
    await page.getByLabel('Auditor token').fill(token);
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('button', { name: /Group Climbing club/ }).click();

    const events = page.getByRole('list', { name: 'Events' });
    await events.getByText('MessageSent').waitFor();
    const state = page.getByLabel('State at that moment');
    await state.getByRole('heading', { name: 'Group “Climbing club”' }).waitFor();
    await screenshot(page, 'auditor');

    // The first event: the group as created, before its message and the rename.
    const slider = page.getByLabel(/As of/);
    await slider.focus();
    await slider.press('Home');
    await state.getByRole('heading', { name: 'Group “Climbing”' }).waitFor();
    expect(await state.textContent()).toContain('0 message(s)');
  });
});

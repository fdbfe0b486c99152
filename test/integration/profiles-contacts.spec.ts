import { randomInt } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { Api, eventually, FeedClient, marker, registerUser, sendText, TestUser, uniquePhone } from '../support/client.js';
import { expectError } from '../support/expect.js';
import { Harness, useTestSystem } from '../support/harness.js';
import { uploadedPhoto } from '../support/media.js';

/**
 * People, part 1: profiles (own and others', as privacy allows), profile frames on the feed, and
 * contact discovery (normalisation, bounds, rate limit, what an unregistered number reveals).
 */

const PROFILE_KEYS = ['about', 'avatarMediaId', 'displayName', 'userId'];
const ME_KEYS = ['about', 'avatarMediaId', 'displayName', 'phone', 'privacy', 'userId'];
const PROFILE_FRAME_KEYS = ['at', 'changed', 'cursor', 'type', 'userId'];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DEFAULT_PRIVACY = { lastSeen: 'everyone', online: 'everyone', profilePhoto: 'everyone', about: 'everyone', readReceipts: true, groupAdd: 'everyone' };

type Audience = 'everyone' | 'contacts' | 'nobody';

/** Valid US numbers no test registers (+1 650 555 xxxx): libphonenumber judges all 10,000 valid. */
let nextFiller = randomInt(0, 5000);
const unregisteredPhone = () => `+1650555${String(nextFiller++ % 10_000).padStart(4, '0')}`;

/** Profiles, privacy, contacts and blocks on top of the common harness. */
function people<H extends Harness>(base: H) {
  const api = base.api;
  const h = Object.assign(base, {
    patchProfile: (user: TestUser, body: unknown) => api().request('PATCH', '/v1/me/profile', body, user.token),
    patchPrivacy: (user: TestUser, body: unknown) => api().request('PATCH', '/v1/me/privacy', body, user.token),
    profile: (viewer: TestUser, owner: TestUser) => api().get(`/v1/users/${owner.userId}/profile`, viewer.token),
    me: (user: TestUser) => api().get('/v1/me', user.token),
    sync: (user: TestUser, phones: unknown) => api().post('/v1/contacts/sync', { phones }, user.token),
    block: (user: TestUser, target: TestUser) => api().post(`/v1/users/${target.userId}/block`, undefined, user.token),
    unblock: (user: TestUser, target: TestUser) => api().request('DELETE', `/v1/users/${target.userId}/block`, undefined, user.token),
    /** GET /v1/me once the read model satisfies `done`. */
    async meWhen(user: TestUser, done: (body: any) => boolean) {
      return (await eventually(() => h.me(user), (r) => r.status === 200 && done(r.body))).body;
    },
    async contactsInclude(user: TestUser, ids: string[]) {
      await eventually(() => api().get('/v1/contacts', user.token), (r) => r.status === 200 && ids.every((id) => r.body.some((c: any) => c.userId === id)));
    },
    async blockedIs(user: TestUser, ids: string[]) {
      await eventually(() => api().get('/v1/me/blocked', user.token), (r) => r.status === 200 && JSON.stringify(r.body) === JSON.stringify([...ids].sort()));
    },
    async conversationsCount(user: TestUser, count: number) {
      await eventually(() => api().get('/v1/conversations', user.token), (r) => r.status === 200 && r.body.length === count);
    },
    /** A direct message from `from` to `to`, awaited on `socket` (of `to`): everything appended before it has arrived. */
    marker: (from: TestUser, to: TestUser, socket: FeedClient) => marker(api(), from, to, socket),
  });
  return h;
}

describe('profiles and contact discovery', () => {
  const h = people(useTestSystem());
  let api: Api;

  beforeAll(() => {
    api = h.api();
  });

  describe('profiles', () => {
    it('GET /v1/me answers the caller\'s own profile, phone and the default privacy settings', async () => {
      const [alice] = await h.users(1);
      const me = await eventually(() => h.me(alice), (r) => r.status === 200);
      expect(Object.keys(me.body).sort()).toEqual(ME_KEYS);
      expect(me.body.userId).toBe(alice.userId);
      expect(me.body.phone).toBe(alice.phone);
      expect(['', null]).toContain(me.body.displayName);
      expect(['', null]).toContain(me.body.about);
      expect(me.body.avatarMediaId).toBeNull();
      expect(me.body.privacy).toEqual(DEFAULT_PRIVACY);
      expectError(await api.get('/v1/me'), 401);
    });

    it('PATCH /v1/me/profile sets display name, about and avatar; the owner and others read them back; a partial update keeps the rest', async () => {
      const [alice, bob] = await h.users(2);
      const alicePhoto = await uploadedPhoto(h.api().baseUrl, alice.token);
      const patched = await h.patchProfile(alice, { displayName: 'Alice', about: 'At the gym', avatarMediaId: alicePhoto });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      expect(patched.body).toEqual({});

      const me = await h.meWhen(alice, (b) => b.displayName === 'Alice');
      expect(me).toMatchObject({ userId: alice.userId, displayName: 'Alice', about: 'At the gym', avatarMediaId: alicePhoto, phone: alice.phone });

      const seen = await h.profile(bob, alice);
      expect(seen.status).toBe(200);
      expect(Object.keys(seen.body).sort()).toEqual(PROFILE_KEYS);
      expect(seen.body).toEqual({ userId: alice.userId, displayName: 'Alice', about: 'At the gym', avatarMediaId: alicePhoto });
      // Her own view through the same route.
      expect((await h.profile(alice, alice)).body).toEqual(seen.body);

      // Only about changes; then the photo is removed with null.
      expect((await h.patchProfile(alice, { about: 'Busy' })).status).toBe(200);
      await h.meWhen(alice, (b) => b.about === 'Busy');
      expect((await h.profile(bob, alice)).body).toEqual({ userId: alice.userId, displayName: 'Alice', about: 'Busy', avatarMediaId: alicePhoto });
      expect((await h.patchProfile(alice, { avatarMediaId: null })).status).toBe(200);
      await h.meWhen(alice, (b) => b.avatarMediaId === null);
      expect((await h.profile(bob, alice)).body).toEqual({ userId: alice.userId, displayName: 'Alice', about: 'Busy', avatarMediaId: null });
    });

    it('refuses invalid profile updates with 400 naming the field, unknown users with 404, and no token with 401', async () => {
      const [alice] = await h.users(1);
      expectError(await h.patchProfile(alice, {}), 400);
      expectError(await h.patchProfile(alice, { displayName: 'x'.repeat(65) }), 400, ['displayName']);
      expectError(await h.patchProfile(alice, { about: 'x'.repeat(141) }), 400, ['about']);
      expectError(await h.patchProfile(alice, { avatarMediaId: 42 }), 400, ['avatarMediaId']);
      expectError(await h.patchProfile(alice, { displayName: 7 }), 400, ['displayName']);
      expectError(await api.request('PATCH', '/v1/me/profile', { displayName: 'x' }), 401);
      expectError(await api.get('/v1/users/u-no-such-user/profile', alice.token), 404);
      expectError(await api.get(`/v1/users/${alice.userId}/profile`), 401);
      // None of the refused updates changed anything.
      const me = await h.me(alice);
      expect(['', null]).toContain(me.body.displayName);
    });

    it('a profile change reaches the owner\'s devices, conversation partners, group co-members and people who have the owner as a contact; not strangers, not blocked users', async () => {
      const [alice, partner, coMember, holder, stranger, blocked, sender] = await h.users(7);
      const aliceLaptop = await registerUser(api, alice.phone, 'alice laptop');
      await sendText(api, partner, alice, 'hi alice');
      await sendText(api, blocked, alice, 'hi from soon-blocked');
      const group = await api.post('/v1/groups', { name: 'Club', members: [coMember.userId] }, alice.token);
      expect(group.status).toBe(201);
      expect((await h.sync(holder, [alice.phone])).body.contacts).toEqual([{ phone: alice.phone, userId: alice.userId }]);
      expect((await h.sync(blocked, [alice.phone])).status).toBe(200);
      expect((await h.block(alice, blocked)).status).toBe(200);
      // The audience is read from the read models: wait until they know all of the above.
      await h.conversationsCount(alice, 3);
      await h.conversationsCount(coMember, 1);
      await h.contactsInclude(holder, [alice.userId]);
      await h.contactsInclude(blocked, [alice.userId]);
      await h.blockedIs(alice, [blocked.userId]);

      const [s1, s2, sPartner, sCo, sHolder, sStranger, sBlocked] = await Promise.all(
        [alice, aliceLaptop, partner, coMember, holder, stranger, blocked].map((u) => h.connect(u)),
      );
      const before = Date.now();
      expect((await h.patchProfile(alice, { displayName: 'Alice A.', about: 'hello' })).status).toBe(200);

      for (const socket of [s1, s2, sPartner, sCo, sHolder]) {
        const [frame] = await socket.nextOfType('profile');
        expect(Object.keys(frame).sort()).toEqual(PROFILE_FRAME_KEYS);
        expect(frame.type).toBe('profile');
        expect(frame.userId).toBe(alice.userId);
        expect([...frame.changed].sort()).toEqual(['about', 'displayName']);
        expect(typeof frame.cursor).toBe('string');
        expect(frame.cursor.length).toBeGreaterThan(0);
        expect(frame.at).toMatch(ISO);
        expect(Date.parse(frame.at)).toBeGreaterThanOrEqual(before - 1000);
        expect(Date.parse(frame.at)).toBeLessThanOrEqual(Date.now() + 1000);
      }

      // A second change: only the photo.
      expect((await h.patchProfile(alice, { avatarMediaId: await uploadedPhoto(h.api().baseUrl, alice.token) })).status).toBe(200);
      for (const socket of [s1, s2, sPartner, sCo, sHolder]) {
        const frames = await socket.nextOfType('profile', 2);
        expect(frames[1].changed).toEqual(['avatarMediaId']);
      }

      // Nothing reached the stranger or the blocked user: a later feed item arrived, the frames before it did not.
      for (const [user, socket] of [[stranger, sStranger], [blocked, sBlocked]] as const) {
        const index = await h.marker(sender, user, socket);
        expect(socket.frames.slice(0, index + 1).filter((f) => f.type === 'profile')).toEqual([]);
      }
      // And the others got each change exactly once.
      await h.marker(sender, partner, sPartner);
      expect(sPartner.ofType('profile').length).toBe(2);
    });

    it('profile frames are durable: a device reconnecting with its cursor receives the one it missed', async () => {
      const [alice, bob] = await h.users(2);
      const bobSocket = await h.connect(bob);
      await sendText(api, alice, bob, 'before');
      const [seen] = await bobSocket.nextOfType('message');
      await bobSocket.close();
      await h.conversationsCount(alice, 1);

      expect((await h.patchProfile(alice, { displayName: 'Renamed' })).status).toBe(200);
      await h.meWhen(alice, (b) => b.displayName === 'Renamed');
      const again = await h.connect(bob, seen.cursor);
      const index = await h.marker(alice, bob, again);
      const replayed = again.frames.slice(0, index).filter((f) => f.type !== 'pong');
      expect(replayed.length).toBe(1);
      expect(replayed[0]).toMatchObject({ type: 'profile', userId: alice.userId, changed: ['displayName'] });
    });

    const photoAboutCases: [string, Audience, Audience][] = [
      ['about everyone, photo nobody', 'everyone', 'nobody'],
      ['about contacts, photo everyone', 'contacts', 'everyone'],
      ['about nobody, photo contacts', 'nobody', 'contacts'],
    ];
    it.each(photoAboutCases)('about and profile photo follow the owner\'s privacy settings (%s): contacts are the people in the owner\'s synced address book', async (_, about, profilePhoto) => {
      const [owner, contact, stranger, holder] = await h.users(4);
      const ownerPhoto = await uploadedPhoto(h.api().baseUrl, owner.token);
      expect((await h.patchProfile(owner, { displayName: 'Owner', about: 'my about', avatarMediaId: ownerPhoto })).status).toBe(200);
      // The owner has `contact` in the address book; `holder` has the owner in theirs, which does not count.
      expect((await h.sync(owner, [contact.phone])).status).toBe(200);
      expect((await h.sync(holder, [owner.phone])).status).toBe(200);
      expect((await h.patchPrivacy(owner, { about, profilePhoto })).status).toBe(200);
      await h.meWhen(owner, (b) => b.displayName === 'Owner' && b.privacy.about === about && b.privacy.profilePhoto === profilePhoto);
      await h.contactsInclude(owner, [contact.userId]);
      await h.contactsInclude(holder, [owner.userId]);

      const visible = (audience: Audience, isContact: boolean) => audience === 'everyone' || (audience === 'contacts' && isContact);
      for (const [viewer, isContact] of [[contact, true], [stranger, false], [holder, false]] as const) {
        const seen = await h.profile(viewer, owner);
        expect(seen.status).toBe(200);
        expect(Object.keys(seen.body).sort()).toEqual(PROFILE_KEYS);
        expect(seen.body, `viewer is ${isContact ? 'a contact' : 'not a contact'}`).toEqual({
          userId: owner.userId,
          displayName: 'Owner',
          about: visible(about, isContact) ? 'my about' : null,
          avatarMediaId: visible(profilePhoto, isContact) ? ownerPhoto : null,
        });
      }
      // The owner always sees everything of their own.
      expect((await h.profile(owner, owner)).body).toEqual({ userId: owner.userId, displayName: 'Owner', about: 'my about', avatarMediaId: ownerPhoto });
      expect(await h.meWhen(owner, () => true)).toMatchObject({ about: 'my about', avatarMediaId: ownerPhoto });
    });

    it('a user the owner blocks sees neither about nor photo, even a contact under "everyone"; unblocking restores them', async () => {
      const [owner, viewer, other] = await h.users(3);
      const p1 = await uploadedPhoto(h.api().baseUrl, owner.token);
      expect((await h.patchProfile(owner, { displayName: 'Owner', about: 'about me', avatarMediaId: p1 })).status).toBe(200);
      expect((await h.sync(owner, [viewer.phone])).status).toBe(200);
      await h.meWhen(owner, (b) => b.displayName === 'Owner');
      expect((await h.profile(viewer, owner)).body).toEqual({ userId: owner.userId, displayName: 'Owner', about: 'about me', avatarMediaId: p1 });

      expect((await h.block(owner, viewer)).status).toBe(200);
      const hidden = await eventually(() => h.profile(viewer, owner), (r) => r.body?.about === null);
      expect(hidden.body).toEqual({ userId: owner.userId, displayName: 'Owner', about: null, avatarMediaId: null });
      // Others are not affected.
      expect((await h.profile(other, owner)).body).toEqual({ userId: owner.userId, displayName: 'Owner', about: 'about me', avatarMediaId: p1 });

      expect((await h.unblock(owner, viewer)).status).toBe(200);
      const restored = await eventually(() => h.profile(viewer, owner), (r) => r.body?.about !== null);
      expect(restored.body).toEqual({ userId: owner.userId, displayName: 'Owner', about: 'about me', avatarMediaId: p1 });
    });
  });

  describe('contact discovery: POST /v1/contacts/sync', () => {
    it('answers which numbers are registered, with their user ids; unregistered and invalid numbers are simply absent', async () => {
      const [caller, uma, vic] = await h.users(3);
      expect((await h.patchProfile(uma, { displayName: 'Uma' })).status).toBe(200);
      const unregistered = unregisteredPhone();
      const result = await h.sync(caller, [uma.phone, unregistered, vic.phone, 'not a number', '+1234', '']);
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      expect(Object.keys(result.body)).toEqual(['contacts']);
      for (const entry of result.body.contacts) expect(Object.keys(entry).sort()).toEqual(['phone', 'userId']);
      const byUser = (rows: any[]) => [...rows].sort((a, b) => a.userId.localeCompare(b.userId));
      expect(byUser(result.body.contacts)).toEqual(byUser([{ phone: uma.phone, userId: uma.userId }, { phone: vic.phone, userId: vic.userId }]));
      // The unregistered number appears nowhere in the answer.
      expect(JSON.stringify(result.body)).not.toContain(unregistered.slice(1));

      // An unregistered number alone gets the same answer as no number at all.
      const [other] = await h.users(1);
      const alone = await h.sync(other, [unregisteredPhone()]);
      expect(alone.status).toBe(200);
      expect(alone.body).toEqual({ contacts: [] });
      expect((await h.sync(other, [])).body).toEqual({ contacts: [] });

      // The found users are the caller's contacts, with their display names.
      await h.contactsInclude(caller, [uma.userId, vic.userId]);
      const contacts = await api.get('/v1/contacts', caller.token);
      expect(contacts.status).toBe(200);
      expect(byUser(contacts.body)).toEqual(byUser([{ userId: uma.userId, displayName: 'Uma' }, { userId: vic.userId, displayName: expect.any(String) }]));
      expect((await api.get('/v1/contacts', other.token)).body).toEqual([]);
      expectError(await api.get('/v1/contacts'), 401);
    });

    it('adds to the caller\'s contacts with each sync (earlier ones stay)', async () => {
      const [caller, first, second] = await h.users(3);
      expect((await h.sync(caller, [first.phone])).body.contacts).toEqual([{ phone: first.phone, userId: first.userId }]);
      await h.contactsInclude(caller, [first.userId]);
      expect((await h.sync(caller, [second.phone])).body.contacts).toEqual([{ phone: second.phone, userId: second.userId }]);
      await h.contactsInclude(caller, [second.userId]);
      const contacts = await api.get('/v1/contacts', caller.token);
      expect(contacts.body.map((c: any) => c.userId).sort()).toEqual([first.userId, second.userId].sort());
    });

    it('normalises numbers as address books write them (spaces, dashes, dots, brackets) with the phone library', async () => {
      const users = await h.users(3);
      const [caller] = await h.users(1);
      // +14155550123 → "+1 (415) 555-0123", "+1-415-555-0123", "+1.415.555.0123"
      const format = (phone: string, i: number) => {
        const [cc, area, exchange, line] = [phone.slice(0, 2), phone.slice(2, 5), phone.slice(5, 8), phone.slice(8)];
        return [`${cc} (${area}) ${exchange}-${line}`, `${cc}-${area}-${exchange}-${line}`, `${cc}.${area}.${exchange}.${line}`][i];
      };
      const uploaded = users.map((u, i) => format(u.phone, i));
      const result = await h.sync(caller, uploaded);
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      const found = new Map<string, string>(result.body.contacts.map((c: any) => [c.userId, c.phone]));
      for (const [i, user] of users.entries()) {
        expect(found.has(user.userId), `"${uploaded[i]}" should find ${user.phone}`).toBe(true);
        // The answer names the number as uploaded or in its E.164 form.
        expect([uploaded[i], user.phone]).toContain(found.get(user.userId));
      }
      expect(result.body.contacts.length).toBe(3);
    });

    it('accepts 1,000 numbers and refuses 1,001 with 400; refuses malformed bodies with 400 and no token with 401', async () => {
      const [caller, uma, vic] = await h.users(3);
      const fillers = Array.from({ length: 998 }, () => unregisteredPhone());
      const thousand = [...fillers.slice(0, 500), uma.phone, ...fillers.slice(500), vic.phone];
      expect(thousand.length).toBe(1000);
      const ok = await h.sync(caller, thousand);
      expect(ok.status, JSON.stringify(ok.body).slice(0, 500)).toBe(200);
      expect(ok.body.contacts.map((c: any) => c.userId).sort()).toEqual([uma.userId, vic.userId].sort());

      const [other] = await h.users(1);
      const tooMany = await h.sync(other, [...thousand, unregisteredPhone()]);
      expectError(tooMany, 400, ['phones']);
      // Nothing was added by the refused request.
      expect((await api.get('/v1/contacts', other.token)).body).toEqual([]);

      expectError(await h.sync(other, 'not a list'), 400, ['phones']);
      expectError(await h.sync(other, [uma.phone, 42]), 400, ['phones']);
      expectError(await api.post('/v1/contacts/sync', {}, other.token), 400, ['phones']);
      expectError(await api.post('/v1/contacts/sync', { phones: [uma.phone] }), 401);
    });
  });
});

describe('contact discovery rate limit (CONTACT_SYNCS_PER_MINUTE=2)', () => {
  const h = people(useTestSystem({ CONTACT_SYNCS_PER_MINUTE: '2' }));

  it('answers 429 with Retry-After beyond the limit, per user', async () => {
    const [alice, bob, target] = await h.users(3);
    for (let i = 0; i < 2; i++) {
      const ok = await h.sync(alice, [target.phone]);
      expect(ok.status, `sync ${i + 1}`).toBe(200);
      expect(ok.body.contacts).toEqual([{ phone: target.phone, userId: target.userId }]);
    }
    const limited = await h.sync(alice, [target.phone, uniquePhone()]);
    expectError(limited, 429);
    const retryAfter = limited.headers.get('retry-after');
    expect(retryAfter, 'Retry-After header').not.toBeNull();
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);

    // Another user (from the same address) is not affected.
    const other = await h.sync(bob, [target.phone]);
    expect(other.status).toBe(200);
    expect(other.body.contacts).toEqual([{ phone: target.phone, userId: target.userId }]);
  });
});

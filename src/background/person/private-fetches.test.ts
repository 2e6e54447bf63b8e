// admin.privateFetches: the private session's fetches as a private window's popup lists them;
// nothing from the store on disk, nothing once the session ended.
import { afterEach, describe, expect, it } from 'vitest';
import { db } from '../../shared/db';
import { storedRegistration } from '../../../test/unit/fixtures';
import { endPrivateSession, PRIVATE_KEY_PREFIX, storeFor } from '../state/stores';
import { privateFetches } from './private-fetches';

describe('privateFetches', () => {
  afterEach(async () => {
    await endPrivateSession();
    await db.registrations.clear();
  });

  it('lists only the private session, newest first, with state, progress and failure', async () => {
    await db.registrations.put(storedRegistration('normal-one', { title: 'On disk' }));
    const store = storeFor({ incognito: true });
    await store.registrations.bulkPut([
      storedRegistration(`${PRIVATE_KEY_PREFIX}a`, {
        title: 'Episode 5',
        downloaded: 500,
        downloadTotal: 2000,
        createdAt: 1,
      }),
      storedRegistration(`${PRIVATE_KEY_PREFIX}b`, { title: 'Paused one', paused: true, downloaded: 10, createdAt: 2 }),
      storedRegistration(`${PRIVATE_KEY_PREFIX}c`, {
        active: 0,
        result: 'failure',
        failureReason: 'fetch-error',
        createdAt: 3,
      }),
      storedRegistration(`${PRIVATE_KEY_PREFIX}gone`, { active: 0, result: 'success', removeAt: 5, createdAt: 4 }),
    ]);
    const listed = await privateFetches();
    expect(listed.map((reg) => [reg.key, reg.state])).toEqual([
      [`${PRIVATE_KEY_PREFIX}c`, 'failed'],
      [`${PRIVATE_KEY_PREFIX}b`, 'paused'],
      [`${PRIVATE_KEY_PREFIX}a`, 'running'],
    ]);
    expect(listed[2]).toEqual({
      key: `${PRIVATE_KEY_PREFIX}a`,
      origin: 'https://a.example',
      title: 'Episode 5',
      downloaded: 500,
      downloadTotal: 2000,
      state: 'running',
      failureReason: '',
    });
    expect(listed[0]!.failureReason).toBe('fetch-error');
  });

  it('answers nothing without a private session', async () => {
    await db.registrations.put(storedRegistration('normal-one'));
    expect(await privateFetches()).toEqual([]);
    storeFor({ incognito: true });
    await endPrivateSession();
    expect(await privateFetches()).toEqual([]);
  });
});

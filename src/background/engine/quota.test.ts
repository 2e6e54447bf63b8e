// The store's one quota rule: the cap, and one site's share of it, counting records and heads.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../shared/db';
import { serializedRequest } from '../../../test/unit/fixtures';
import { storeFetch, useFreshStore } from '../../../test/unit/engine-harness/store';
import { costOf, forgetEstimate, reserveSpace, whyNeverFits } from './quota';
import { writeGlobalSettings } from '../state/settings';

const MiB = 1 << 20;

async function holding(key: string, origin: string, bytes: number, headers: [string, string][] = []) {
  await storeFetch({
    key,
    registration: { origin, scope: `${origin}/` },
    records: [{ stored: bytes, request: { ...serializedRequest('https://a.example/0'), headers } }],
  });
}

useFreshStore();
beforeEach(() => {
  forgetEstimate();
});
afterEach(async () => {
  await writeGlobalSettings({ storageCapBytes: null, siteSharePercent: 50 });
});

describe('one quota rule', () => {
  it('one site holds at most its share of the cap; another site still has room', async () => {
    await writeGlobalSettings({ storageCapBytes: 10 * MiB, siteSharePercent: 50 });
    await holding('a', 'https://a.example', 4.5 * MiB);
    await holding('b', 'https://b.example', 0);
    expect(await reserveSpace('a', MiB)).toBe(false);
    expect(await reserveSpace('b', MiB)).toBe(true);
    expect(await reserveSpace('b', 3.5 * MiB)).toBe(true);
    // What was claimed counts until the next reading: b's share is now full.
    expect(await reserveSpace('b', 0.75 * MiB)).toBe(false);
  });

  it('the cap holds over all sites, with a share of 100 %', async () => {
    await writeGlobalSettings({ storageCapBytes: 10 * MiB, siteSharePercent: 100 });
    await holding('a', 'https://a.example', 9.5 * MiB);
    await holding('b', 'https://b.example', 0);
    expect(await reserveSpace('b', MiB)).toBe(false);
    expect(await reserveSpace('b', 0.25 * MiB)).toBe(true);
  });

  it('records and their heads count, not only bodies', async () => {
    await writeGlobalSettings({ storageCapBytes: 2 * MiB, siteSharePercent: 50 });
    const headers: [string, string][] = [['x-big', 'v'.repeat(64 * 1024)]];
    await holding('a', 'https://a.example', MiB - 32 * 1024, headers);
    expect(costOf((await db.records.get(['a', 0]))!)).toBeGreaterThan(MiB);
    expect(await reserveSpace('a', 1)).toBe(false);
  });

  it("at fetch(): more than a site's share or the cap can never fit", async () => {
    await writeGlobalSettings({ storageCapBytes: 10 * MiB, siteSharePercent: 50 });
    expect(await whyNeverFits(4 * MiB, false)).toBeNull();
    expect((await whyNeverFits(6 * MiB, false))?.message).toMatch(/one site may hold at most/);
    await writeGlobalSettings({ storageCapBytes: 10 * MiB, siteSharePercent: 100 });
    expect((await whyNeverFits(11 * MiB, false))?.message).toMatch(/the store may hold at most/);
    await writeGlobalSettings({ storageCapBytes: null, siteSharePercent: 100 });
    expect(await whyNeverFits(11 * MiB, false)).toBeNull();
  });
});

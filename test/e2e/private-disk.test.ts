// A private window's bodies never touch the disk (issue 16 item 6). Firefox turns a Blob made by
// `Response.blob()` past 1 MiB into a temporary file in its temp folder ($TMPDIR: here a fresh
// folder given to the browser process), opened and at once unlinked on Linux, so the test looks
// both at the folder and at the files the browser's processes hold open there. The profile is
// checked too (the store's Blob files). The same fetch from a normal window does make such a file:
// the check can fail.
import assert from 'node:assert/strict';
import { readdir, readlink, readFile, stat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
// @ts-expect-error plain JS module with JSDoc types
import { generatedSha256 } from '../server/server.mjs';
import { browsersUnderTest, launch, type Launched, useExtensionFor } from '../helpers/browsers';
import { startTestServer, type TestServer } from '../helpers/site';
import { openPrivateSite } from '../helpers/private-window';

declare const t: any;

const SIZE = 6 * 1024 * 1024;
/** Bytes per second: about 2 MB reach the store per write (over the 1 MiB Blob threshold). */
const THROTTLE = 4_000_000;
const MiB = 1 << 20;

/** Every file under `dir` with its size (missing folders: none). */
async function filesUnder(dir: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const walk = async (at: string) => {
    let entries;
    try {
      entries = await readdir(at, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else {
        const size = await stat(full).then(
          (s) => s.size,
          () => -1,
        );
        if (size >= 0) found.set(full, size);
      }
    }
  };
  await walk(dir);
  return found;
}

/** Files under `dir` held open by processes started with TMPDIR=`dir` (unlinked ones too). */
async function openFilesUnder(dir: string): Promise<string[]> {
  const held: string[] = [];
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const environ = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
    if (!environ.split('\0').includes(`TMPDIR=${dir}`)) continue;
    for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (target.startsWith(dir + path.sep)) held.push(target);
    }
  }
  return held;
}

/**
 * Runs a throttled fetch of SIZE bytes in `page` and, while it runs, records what appears under
 * the temp folder (files listed or held open) and what grew by 1 MiB or more in the profile.
 */
async function diskTraceOf(page: Page, launched: Launched, tempDir: string, id: string, seed: number) {
  const profileBefore = await filesUnder(launched.profileDir);
  // Files of earlier fetches may still be held open (until their Blobs are collected).
  const tempBefore = new Set([...(await filesUnder(tempDir)).keys(), ...(await openFilesUnder(tempDir))]);
  const temp = new Set<string>();
  const running = page.evaluate(
    async (id, url) => {
      const reg = await t.reg();
      const bgFetch = await t.settled(await reg.backgroundFetch.fetch(id, url));
      const [record] = await bgFetch.matchAll();
      const body = await t.readResponse(await record.responseReady);
      return { result: bgFetch.result, sha256: body.sha256 };
    },
    id,
    `/gen/${id}?size=${SIZE}&seed=${seed}&throttle=${THROTTLE}`,
  );
  let settled = false;
  void running.finally(() => (settled = true)).catch(() => undefined);
  while (!settled) {
    for (const file of (await filesUnder(tempDir)).keys()) if (!tempBefore.has(file)) temp.add(file);
    for (const file of await openFilesUnder(tempDir)) if (!tempBefore.has(file)) temp.add(file);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seen = await running;
  const profile = [...(await filesUnder(launched.profileDir))]
    .filter(([file, size]) => size - (profileBefore.get(file) ?? 0) >= MiB)
    .map(([file]) => path.relative(launched.profileDir, file));
  return { seen, temp: [...temp], profile };
}

if (browsersUnderTest().includes('firefox')) {
  describe('[firefox] private bodies stay in memory', () => {
    let server: TestServer;
    let browser: Launched;
    let tempDir: string;
    let normal: Page;

    before(async () => {
      server = await startTestServer();
      tempDir = await mkdtemp(path.join(tmpdir(), 'bgfetch-tmpdir-'));
      browser = await launch('firefox', {
        privateBrowsing: true,
        prefs: { 'dom.serviceWorkers.privateBrowsing.enabled': true },
        env: { TMPDIR: tempDir },
      });
      // New sites are asked first (consent, issue 17): the person allows the test's sites.
      await useExtensionFor(browser, [server.originA, server.originB]);
      normal = await browser.browser.newPage();
      await normal.goto(`${server.originA}/site/`);
      await normal.evaluate(() => (window as any).swReady);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    });

    test("a normal window's large body goes through a temporary file (so the check below can fail)", async () => {
      const trace = await diskTraceOf(normal, browser, tempDir, 'normal-big', 71);
      assert.equal(trace.seen.result, 'success');
      assert.equal(trace.seen.sha256, generatedSha256(SIZE, 71));
      assert.ok(trace.temp.length > 0 || trace.profile.length > 0, 'the normal body reached the disk');
    });

    test("a private window's body of several MiB: no file under the temp folder or the profile", async () => {
      const inPrivate = await openPrivateSite(browser, server.originA);
      try {
        const trace = await diskTraceOf(inPrivate, browser, tempDir, 'private-big', 72);
        assert.equal(trace.seen.result, 'success');
        assert.equal(trace.seen.sha256, generatedSha256(SIZE, 72), 'the private window reads the body intact');
        assert.deepEqual(trace.temp, [], 'no temporary file for the private body');
        assert.deepEqual(trace.profile, [], 'nothing of the private body in the profile');
      } finally {
        await inPrivate.close();
        await normal.bringToFront();
      }
    });
  });
}

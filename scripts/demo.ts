// The demo: the podcast PWA from demo/ on a loopback server, opened in real Firefox ESR with
// the built extension installed. Headless (no DISPLAY): clicks Download, prints progress,
// waits for playback and leaves a screenshot. With a display: opens a window and waits.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
// @ts-expect-error plain JS module with JSDoc types
import { startDemoServer } from '../demo/server.mjs';
import { gotoExtensionPage, launch, ROOT } from '../test/helpers/browsers';
import { answerPrompt } from '../test/helpers/consent';

const headful = Boolean(process.env.DISPLAY) && !process.env.HEADLESS;
if (headful) process.env.HEADFUL = '1';
const demo = await startDemoServer({ throttleBytesPerSecond: 3 * 1024 * 1024 });
console.log(`demo site: ${demo.origin}/`);
const firefox = await launch('firefox');
const page = await firefox.browser.newPage();
await page.setViewport({ width: 900, height: 900 });
await page.goto(`${demo.origin}/`);

if (headful) {
  console.log('Firefox is open with bgfetch installed. Press Download; Ctrl-C here ends the demo.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    firefox.browser.once('disconnected', () => resolve());
  });
} else {
  await page.waitForSelector('#download:not([disabled])', { timeout: 30_000 });
  await page.click('#download');
  // A new site is asked first (issue 17): the popup shows the question; the demo answers it as a
  // person would, and prints what they would see.
  const popup = await firefox.browser.newPage();
  await popup.setViewport({ width: 440, height: 560 });
  await gotoExtensionPage(firefox, popup);
  const host = new URL(demo.origin).host;
  await popup.waitForSelector('.permission-prompt', { timeout: 30_000 });
  const question = await popup.$eval('.permission-prompt', (element) =>
    [element.querySelector('.prompt-question')?.textContent, element.querySelector('.prompt-title')?.textContent]
      .filter(Boolean)
      .join(' — '),
  );
  const buttons = await popup.$$eval('.permission-prompt button', (elements) =>
    elements.map((element) => element.textContent).join(' / '),
  );
  console.log(`popup asks: ${question}`);
  console.log(`  [${buttons}] → the demo clicks "Always allow"`);
  const shotsDir = path.join(ROOT, 'test-results');
  await mkdir(shotsDir, { recursive: true });
  await popup.screenshot({ path: path.join(shotsDir, 'demo-prompt.png') });
  await answerPrompt(popup, host, 'always-allow');
  await popup.close();
  let last = '';
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [state, status] = await page.evaluate(
      () => [document.body.dataset.state, document.getElementById('status')?.textContent ?? ''] as const,
    );
    if (status !== last) console.log(`  ${status}`);
    last = status;
    if (state === 'done' || state === 'failed') break;
    if (Date.now() > deadline) throw new Error('the demo download did not finish in 2 minutes');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const playable = await page.evaluate(() => {
    const player = document.getElementById('player') as HTMLAudioElement | null;
    return player ? { src: Boolean(player.src), duration: player.duration } : null;
  });
  console.log(`player: ${JSON.stringify(playable)}`);
  const shots = path.join(ROOT, 'test-results');
  await mkdir(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, 'demo.png') });
  console.log(`screenshot: test-results/demo.png`);
}
await firefox.close();
await demo.close();

// The person's side of consent (issue 17): new sites are asked before they may fetch in the
// background. Suites that test something else switch their sites to Allow first, through the
// same admin message the popup's Sites settings send.
import type { Page } from 'puppeteer-core';
import { admin, type Launched } from './browsers';

export async function allowSites(launched: Launched, origins: string[]): Promise<void> {
  for (const origin of origins) await setSitePermission(launched, origin, 'allow');
}

export async function setSitePermission(
  launched: Launched,
  origin: string,
  permission: 'allow' | 'ask' | 'block',
): Promise<void> {
  await admin(launched, { type: 'admin.setSite', origin, settings: { permission } });
}

/** Clicks one of the prompt's buttons in the popup page for the fetch `id` of `host`. */
export async function answerPrompt(
  popup: Page,
  host: string,
  button: 'allow-once' | 'always-allow' | 'block',
): Promise<void> {
  const handle = await popup.waitForFunction(
    (host, button) => {
      for (const prompt of document.querySelectorAll('.permission-prompt')) {
        if (prompt.querySelector('.prompt-question')?.textContent?.includes(host)) {
          return prompt.querySelector(`button[name="${button}"]`);
        }
      }
      return null;
    },
    { timeout: 15_000, polling: 100 },
    host,
    button,
  );
  await handle.asElement()!.evaluate((element) => (element as HTMLButtonElement).click());
}

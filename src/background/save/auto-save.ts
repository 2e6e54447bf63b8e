// Auto-save: a fetch that finished is saved to disk (Downloads/<site>/<title>/) when the person
// turned auto-save on for its site.
import type { StoredRegistration } from '../../shared/db';
import { onSettled } from '../state/settle';
import { siteSettings } from '../state/sites';
import { isPrivateKey } from '../state/stores';
import { canSave, saveRegistration } from './downloads';

async function autoSave(reg: StoredRegistration): Promise<void> {
  if (reg.result !== 'success' || !canSave()) return;
  // Asked once earlier saves of it are done, not now: the person may have turned it off meanwhile.
  await saveRegistration(reg.key, undefined, async () => (await siteSettings(reg.origin)).autoSave);
}

export function startAutoSave(): void {
  onSettled((reg) => {
    // A private window's fetches leave no trace outside it: no file on disk.
    if (isPrivateKey(reg.key)) return;
    void autoSave(reg).catch((error: unknown) => console.error('bgfetch: auto-save', error));
  });
}

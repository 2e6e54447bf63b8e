// The question the person answers before a site may download in the background: one per fetch
// waiting for permission, at the top of the popup. Allow once starts that fetch; Always allow and
// Block answer for the site (its other waiting fetches too) and are remembered (Sites settings).
import { usePrivateSession } from '../../private-session';
import type { StoredRegistration } from '../../../shared/db';
import type { PermissionAnswer, PrivateWaiting } from '../../../shared/protocol';
import { command } from '../../data';
import { formatBytes } from '../../format';
import { msg } from '../../i18n';
import type { Run } from '../App/App';

export interface PermissionPromptProps {
  registrations: StoredRegistration[] | undefined;
  locale: string;
  run: Run;
}

export function PermissionPrompt({ registrations, locale, run }: PermissionPromptProps) {
  const privateOnes: PrivateWaiting[] = usePrivateSession('admin.privateWaiting');
  const waiting: PrivateWaiting[] = [
    ...(registrations ?? []).filter((reg) => reg.active && reg.waiting === 'permission'),
    ...privateOnes,
  ];
  if (!waiting.length) return null;
  const answer = (reg: PrivateWaiting, value: PermissionAnswer) =>
    run(() => command('admin.answer', { key: reg.key, answer: value }));
  return (
    <section class="permission-prompts" aria-label={msg('state_permission')}>
      {waiting.map((reg) => {
        const host = new URL(reg.origin).host;
        return (
          <div
            class="permission-prompt"
            role="alertdialog"
            aria-labelledby={`prompt-${reg.key}`}
            data-key={reg.key}
            key={reg.key}
          >
            <p id={`prompt-${reg.key}`} class="prompt-question">
              {reg.downloadTotal > 0
                ? msg('promptQuestion', [host, formatBytes(reg.downloadTotal, locale)])
                : msg('promptQuestionUnknownSize', host)}
            </p>
            {reg.title && <p class="prompt-title muted">{reg.title}</p>}
            <div class="prompt-actions">
              <button type="button" name="allow-once" onClick={() => answer(reg, 'once')}>
                {msg('promptAllowOnce')}
              </button>
              <button type="button" name="always-allow" class="primary" onClick={() => answer(reg, 'always')}>
                {msg('promptAlwaysAllow')}
              </button>
              <button type="button" name="block" onClick={() => answer(reg, 'block')}>
                {msg('promptBlock')}
              </button>
            </div>
          </div>
        );
      })}
    </section>
  );
}

// navigator.permissions.query({ name: 'background-fetch' }): Firefox knows no such permission and
// throws TypeError; here it answers the person's choice for the site (granted / prompt / denied,
// src/background/person/consent.ts) and the status fires `change` when the person changes it. All that
// runs at a page's load is one assignment; the rest waits for a query of that name.
import type { Channel } from '../../api/channel';
import { asHandler, define } from '../../api/expose';

export function answerPermissionQueries(channel: () => Channel): void {
  const query = Permissions.prototype.query;
  Permissions.prototype.query = {
    // Async: a bad descriptor rejects, as the native query's does.
    async query(this: Permissions, descriptor: PermissionDescriptor) {
      if ((descriptor as { name?: unknown } | null)?.name !== 'background-fetch') return query.call(this, descriptor);
      let state = await channel().call({ type: 'permission' });
      let handler: ((event: Event) => unknown) | null = null;
      // A real EventTarget, seen by the page as a PermissionStatus.
      const status = Object.setPrototypeOf(new EventTarget(), PermissionStatus.prototype) as PermissionStatus;
      define(status, {
        name: { value: 'background-fetch' },
        state: { get: () => state },
        onchange: { get: () => handler, set: (value) => (handler = asHandler(value)) },
      });
      status.addEventListener('change', (event) => handler?.call(status, event));
      // The background answers once the state differs from the one known (a long poll).
      void (async () => {
        for (;;) {
          const next = await channel().call({ type: 'permission', known: state });
          if (next !== state) {
            state = next;
            status.dispatchEvent(new Event('change'));
          }
        }
      })();
      return status;
    },
  }.query;
}

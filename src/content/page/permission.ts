// navigator.permissions.query({ name: 'background-fetch' }): Firefox knows no such permission and
// throws TypeError; here it answers the person's choice for the site (granted / prompt / denied,
// src/background/person/consent.ts) and the status fires `change` when the person changes it. All that
// runs at a page's load is one assignment; the rest waits for a query of that name.
import type { Channel } from '../../api/channel';

export function answerPermissionQueries(channel: () => Channel): void {
  const query = Permissions.prototype.query;
  Permissions.prototype.query = {
    query(this: Permissions, descriptor: PermissionDescriptor) {
      if ((descriptor as { name?: unknown } | null)?.name !== 'background-fetch') return query.call(this, descriptor);
      return channel()
        .call({ type: 'permission' })
        .then((first) => {
          let state = first;
          let handler: ((event: Event) => unknown) | null = null;
          // A real EventTarget, seen by the page as a PermissionStatus.
          const status = Object.setPrototypeOf(new EventTarget(), PermissionStatus.prototype) as PermissionStatus;
          Object.defineProperties(status, {
            name: { value: 'background-fetch' },
            state: { get: () => state },
            onchange: { get: () => handler, set: (value) => (handler = typeof value === 'function' ? value : null) },
          });
          status.addEventListener('change', (event) => handler?.call(status, event));
          // The background answers once the state differs from the one known (a long poll).
          const watch = (): unknown =>
            channel()
              .call({ type: 'permission', known: state })
              .then((next) => {
                if (next !== state) {
                  state = next;
                  status.dispatchEvent(new Event('change'));
                }
                return watch();
              });
          void watch();
          return status;
        });
    },
  }.query;
}

// One fetch's row that cannot be drawn (what a site stored is not what the popup expects) must
// not take the popup with it: the row becomes a plain line with the controls that need nothing
// of what it holds, and every other row stays as it is.
import { Component, type ComponentChildren } from 'preact';
import type { StoredRegistration } from '../../../shared/db';
import { command } from '../../data';
import { msg } from '../../i18n';
import type { Run } from '../App/App';

export interface RowBoundaryProps {
  reg: StoredRegistration;
  run: Run;
  children: ComponentChildren;
}

export class RowBoundary extends Component<RowBoundaryProps, { failed: boolean }> {
  override state = { failed: false };

  static override getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(error: unknown): void {
    console.error('bgfetch popup: a row could not be shown', this.props.reg.key, error);
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    const { reg, run } = this.props;
    const key = String(reg.key);
    return (
      <li class="reg state-broken" data-key={key} data-state="broken">
        <div class="reg-body">
          <p class="reg-title">{msg('rowUnreadable')}</p>
          <div class="reg-actions">
            {reg.active === 1 && (
              <button type="button" onClick={() => run(() => command('admin.abort', { key }))}>
                {msg('abort')}
              </button>
            )}
            <button type="button" onClick={() => run(() => command('admin.remove', { key }))}>
              {msg('remove')}
            </button>
          </div>
        </div>
      </li>
    );
  }
}

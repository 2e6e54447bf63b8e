// A component that renders again only when `same` says its props changed. preact/compat's memo
// does this too, but importing compat installs a hook that rewrites every element's props on every
// render of the whole popup (React compatibility the popup does not use): about 1/6 of a first
// render's script time with 1,000 registrations in Chromium's profile (bench popup-render).
import { Component, h, type ComponentType, type FunctionComponent } from 'preact';

export function memoView<P extends object>(
  view: FunctionComponent<P>,
  same: (before: P, after: P) => boolean,
): ComponentType<P> {
  return class MemoView extends Component<P> {
    static override displayName = `Memo(${view.displayName ?? view.name})`;
    override shouldComponentUpdate(next: P) {
      return !same(this.props, next);
    }
    override render(props: P) {
      return h(view, props);
    }
  };
}

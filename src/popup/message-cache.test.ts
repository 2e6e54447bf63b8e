import { describe, expect, test } from 'vitest';
import { cachedMessages } from './message-cache';

/** What browser.i18n.getMessage does with `$1`…`$9` and `$$` (and a missing substitution: empty). */
function fakeGetMessage(messages: Record<string, string>) {
  const calls: string[] = [];
  const get = (key: string, substitutions: string[]) => {
    calls.push(key);
    const text = messages[key];
    if (text === undefined) return '';
    return text.replace(/\$(\$|\d)/g, (_, n: string) => (n === '$' ? '$' : (substitutions[Number(n) - 1] ?? '')));
  };
  return { get, calls };
}

describe('cachedMessages', () => {
  const messages = { plain: 'Pause', two: '$1 of $2', twice: '$1, again $1', dollar: 'Costs $$5 for $1', none: '' };

  test('gives what the browser gives, for every kind of message', () => {
    const { get } = fakeGetMessage(messages);
    const msg = cachedMessages(get);
    expect(msg('plain' as never)).toBe('Pause');
    expect(msg('two' as never, ['1 MB', '2 MB'])).toBe('1 MB of 2 MB');
    expect(msg('twice' as never, 'x')).toBe('x, again x');
    expect(msg('dollar' as never, ['$1 $$'])).toBe('Costs $5 for $1 $$');
    expect(msg('two' as never, ['only one'])).toBe('only one of ');
    expect(msg('missing' as never)).toBe('missing');
  });

  test('asks the browser once per message, whatever the substitutions', () => {
    const { get, calls } = fakeGetMessage(messages);
    const msg = cachedMessages(get);
    expect(msg('two' as never, ['a', 'b'])).toBe('a of b');
    expect(msg('two' as never, ['c', 'd'])).toBe('c of d');
    expect(msg('plain' as never)).toBe('Pause');
    expect(msg('plain' as never)).toBe('Pause');
    expect(calls).toEqual(['two', 'plain']);
  });
});

// The popup's messages, each asked of the browser once (src/popup/i18n.ts uses it).
import type { Msg } from './i18n';

/** Marks where substitution n goes in a template (private-use characters: never in a message). */
const slot = (n: number) => `\uE000${n}\uE001`;
const SLOTS = Array.from({ length: 9 }, (_, n) => slot(n));
const SLOT_PATTERN = /\uE000(\d)\uE001/g;

/**
 * Each message asked of the browser once, with markers for its substitutions, then filled in here:
 * one `i18n.getMessage` costs about 70 µs in Firefox and a first render of the list makes ~500
 * calls (bench popup-render). The browser still does all of its own formatting (placeholders,
 * `$$`); a missing substitution is empty, as the browser leaves it.
 */
export function cachedMessages(getMessage: (key: string, substitutions: string[]) => string): Msg {
  const templates = new Map<string, string>();
  return (key, substitutions) => {
    let template = templates.get(key);
    if (template === undefined) templates.set(key, (template = getMessage(key, SLOTS) || key));
    if (!template.includes('\uE000')) return template;
    const values = substitutions === undefined ? [] : Array.isArray(substitutions) ? substitutions : [substitutions];
    return template.replace(SLOT_PATTERN, (_, n: string) => values[Number(n)] ?? '');
  };
}

// A number setting the person types into. What they type stays until they leave the field: the
// popup renders every second (speeds, ETAs) and on every stored change, and a controlled input
// would put the stored value back under their fingers (a half-typed "500" became "" again).
import { useState } from 'preact/hooks';

export interface NumberFieldProps {
  name: string;
  /** The stored value, shown whenever the person is not editing ('' for none). */
  value: number | '';
  min?: number;
  max?: number;
  placeholder?: string;
  /**
   * The person's value, rounded, when they commit it (Enter, or leaving a changed field): null for
   * an empty field; a value outside min…max is not committed (the field shows the stored one again).
   */
  onCommit(value: number | null): void;
}

function committed(raw: string, min = -Infinity, max = Infinity): number | null | undefined {
  if (raw === '') return null;
  const value = Math.round(Number(raw));
  return value >= min && value <= max ? value : undefined;
}

export function NumberField({ name, value, min, max, placeholder, onCommit }: NumberFieldProps) {
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <input
      type="number"
      name={name}
      min={min}
      max={max}
      placeholder={placeholder}
      value={draft ?? String(value)}
      onInput={(event) => setDraft(event.currentTarget.value)}
      onChange={(event) => {
        const next = committed(event.currentTarget.value.trim(), min, max);
        if (next !== undefined) onCommit(next);
      }}
      onBlur={() => setDraft(null)}
    />
  );
}

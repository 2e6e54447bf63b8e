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
  /** The person's value, when they commit it (Enter, or leaving a changed field). */
  onCommit(raw: string): void;
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
      onChange={(event) => onCommit(event.currentTarget.value.trim())}
      onBlur={() => setDraft(null)}
    />
  );
}

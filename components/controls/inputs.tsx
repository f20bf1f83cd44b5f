'use client';
import { useEffect, useState } from 'react';
import { useTranslations } from 'use-intl';

/** A big on/off switch for touch screens. */
export function Toggle({
  on,
  onChange,
  labelOn,
  labelOff,
  testId,
  disabled,
}: {
  on: boolean;
  onChange: (v: boolean) => void;
  labelOn: string;
  labelOff: string;
  testId?: string;
  disabled?: boolean;
}) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={on}
      data-testid={testId}
      className={`toggle ${on ? 'on' : 'off'}`}
      onClick={() => onChange(!on)}
      disabled={disabled}
    >
      {on ? labelOn : labelOff}
    </button>
  );
}

/** A number with − / + steps and an explicit apply, so a stray tap changes nothing. */
export function Stepper({
  value,
  step,
  placeholder,
  onApply,
  testId,
  min = 0,
}: {
  value: number | null;
  step: number;
  placeholder: string;
  onApply: (v: number | null) => void;
  testId?: string;
  min?: number;
}) {
  const t = useTranslations('controls');
  const [draft, setDraft] = useState<string>(value === null ? '' : String(value));
  useEffect(() => setDraft(value === null ? '' : String(value)), [value]);
  const n = draft === '' ? null : Math.max(min, Math.round(Number(draft)));
  const dirty = n !== value && !(draft !== '' && Number.isNaN(Number(draft)));
  const bump = (d: number) => setDraft(String(Math.max(min, (n ?? 0) + d)));
  return (
    <span className="stepper" data-testid={testId}>
      <button type="button" className="secondary" onClick={() => bump(-step)} aria-label="−">
        −
      </button>
      <input
        inputMode="numeric"
        value={draft}
        placeholder={placeholder}
        onChange={(e) => setDraft(e.target.value.replace(/[^0-9]/g, ''))}
      />
      <button type="button" className="secondary" onClick={() => bump(step)} aria-label="+">
        +
      </button>
      <button type="button" disabled={!dirty} onClick={() => onApply(n)}>
        {t('apply')}
      </button>
    </span>
  );
}

'use client';
import { useId } from 'react';
import { useTranslations } from 'use-intl';

export interface TSupervisorCredentials {
  email: string;
  password: string;
}

/**
 * A supervisor's own credentials entered at the desk (主管授权) for an override: the server checks
 * them (throttled) and records who approved. The password is never kept beyond the request.
 */
export function SupervisorFields({
  value,
  onChange,
  error,
  autoFocus = false,
}: {
  value: TSupervisorCredentials;
  onChange: (v: TSupervisorCredentials) => void;
  error?: string;
  autoFocus?: boolean;
}) {
  const t = useTranslations('fd.supervisor');
  const id = useId();
  return (
    <fieldset className="supervisor-fields" data-testid="supervisor-fields">
      <legend>{t('title')}</legend>
      <label htmlFor={`${id}-email`}>{t('email')}</label>
      <input
        id={`${id}-email`}
        type="email"
        autoComplete="off"
        // biome-ignore lint/a11y/noAutofocus: the approval form opens for this input; the supervisor types at once
        autoFocus={autoFocus}
        value={value.email}
        onChange={(e) => onChange({ ...value, email: e.target.value })}
      />
      <label htmlFor={`${id}-password`}>{t('password')}</label>
      <input
        id={`${id}-password`}
        type="password"
        autoComplete="off"
        value={value.password}
        onChange={(e) => onChange({ ...value, password: e.target.value })}
      />
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

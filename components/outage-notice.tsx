'use client';
import { useTranslations } from 'use-intl';
import { isOutage, isUnavailable, isUnreachable } from '../lib/live/outage.ts';

/**
 * The mark every screen shows while its data may be out of date (the server or its database is
 * not answering); the data stays visible under it. `data-testid="stale"` is what tests wait on.
 */
export function StaleMark({ stale }: { stale: boolean }) {
  const t = useTranslations('outage');
  if (!stale) return null;
  return (
    <span className="stale" data-testid="stale" role="status">
      {t('stale')}
    </span>
  );
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Words for a failed request. A change: 503 says nothing was changed, no answer says it may or
 * may not have been. A read: an outage says it is being tried again. Anything else keeps the
 * server's own message.
 */
export function useErrorText(): { change: (err: unknown) => string; read: (err: unknown) => string } {
  const t = useTranslations('outage');
  return {
    change: (err) =>
      isUnavailable(err) ? t('nothingChanged') : isUnreachable(err) ? t('maybeChanged') : messageOf(err),
    read: (err) => (isOutage(err) ? t('waiting') : messageOf(err)),
  };
}

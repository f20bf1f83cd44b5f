'use client';
import { useLocale, useTranslations } from 'use-intl';
import type { TGateStatus } from '../../lib/schemas/live.ts';

/** zoneNames: zone code to its name in the chosen language (the code is shown when a zone is unknown). */
export function GateTable({
  gates,
  now,
  zoneNames,
}: {
  gates: TGateStatus[];
  now: number;
  zoneNames: Map<string, string>;
}) {
  const t = useTranslations();
  const locale = useLocale();
  const ago = (iso: string | null) => {
    if (!iso) return t('common.never');
    const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
    if (s < 90) return t('common.secondsAgo', { n: s });
    if (s < 5400) return t('common.minutesAgo', { n: Math.round(s / 60) });
    return t('common.hoursAgo', { n: Math.round(s / 3600) });
  };
  // Offline gates first: they are what the operator must act on.
  const sorted = [...gates].sort((a, b) => Number(a.online) - Number(b.online) || a.code.localeCompare(b.code));
  return (
    <table className="grid" data-testid="gate-list">
      <thead>
        <tr>
          <th>{t('cc.gate')}</th>
          <th>{t('cc.zone')}</th>
          <th>{t('cc.direction')}</th>
          <th>{t('cc.status')}</th>
          <th>{t('cc.lastHeartbeat')}</th>
          <th>{t('cc.queue')}</th>
          <th>{t('cc.battery')}</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((g) => (
          <tr key={g.id} data-gate={g.code} data-online={g.online ? '1' : '0'}>
            <td className="name">
              <strong>{g.code}</strong>
              <br />
              <span className="muted">{locale === 'en' ? g.nameEn : g.nameZh}</span>
            </td>
            <td>{zoneNames.get(g.zoneCode) ?? g.zoneCode}</td>
            <td>{t(`cc.dir.${g.direction}`)}</td>
            <td>
              <span className={`dot ${g.online ? 'ok' : 'off'}`} aria-hidden />
              {g.online ? t('cc.online') : t('cc.offline')}
            </td>
            <td>{ago(g.lastSeenAt)}</td>
            <td>{g.queue ?? '–'}</td>
            <td>{g.battery == null ? '–' : `${g.battery}%`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

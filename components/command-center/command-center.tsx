'use client';
import { useMemo, useState } from 'react';
import { useLocale, useTranslations } from 'use-intl';
import { useLiveGates, useNow } from '../../lib/live/use-live-gates.ts';
import type { TGateStatus } from '../../lib/schemas/live.ts';
import { GateTable } from './gate-table.tsx';
import { VenuePlan, type TPlanZone } from './venue-plan.tsx';

export interface TCommandVenue {
  id: number;
  code: string;
  nameZh: string;
  nameEn: string;
  plan: { image: string; width: number; height: number };
  zones: TPlanZone[];
}

function Kpi({ name, label, value, tone }: { name: string; label: string; value: number | null; tone?: 'ok' | 'crit' }) {
  return (
    <div className={`kpi ${tone ?? ''}`} data-kpi={name} data-value={value ?? ''}>
      <div className="label">{label}</div>
      <div className="value">{value ?? '–'}</div>
    </div>
  );
}

/** The wall display: KPI strip, venue plan with gate markers and the gate health list, all live. */
export function CommandCenter({ venues, initialVenueCode, kiosk }: { venues: TCommandVenue[]; initialVenueCode?: string; kiosk: boolean }) {
  const t = useTranslations('cc');
  const locale = useLocale();
  const [venueId, setVenueId] = useState(() => (venues.find((v) => v.code === initialVenueCode) ?? venues[0])?.id);
  const venue = venues.find((v) => v.id === venueId);
  const live = useLiveGates(venueId);
  const now = useNow();
  const online = useMemo(() => live.gates.filter((g: TGateStatus) => g.online).length, [live.gates]);
  const loaded = live.state === 'loaded';

  if (!venue) return <main className="page"><p className="notice">{t('noVenue')}</p></main>;
  const name = locale === 'en' ? venue.nameEn : venue.nameZh;
  return (
    <main data-loading-state={live.state} data-kiosk={kiosk ? '1' : undefined}>
      <div className="kpis" data-loading-state={live.state}>
        <div className="kpi">
          <div className="label">{t('venue')}</div>
          {venues.length > 1 && !kiosk ? (
            <select aria-label={t('venue')} value={venue.id} onChange={(e) => setVenueId(Number(e.target.value))} style={{ fontSize: '1.4em', marginTop: '0.3em' }}>
              {venues.map((v) => <option key={v.id} value={v.id}>{locale === 'en' ? v.nameEn : v.nameZh}</option>)}
            </select>
          ) : (
            <div className="value" style={{ fontSize: '1.8em' }}>{name}</div>
          )}
          <div className="status-line" aria-live="polite">
            {live.connected ? <span className="live-badge">● {t('live')}</span> : loaded ? <span className="stale" data-testid="stale">{t('reconnecting')}</span> : null}
          </div>
        </div>
        <Kpi name="gates_online" label={t('gatesOnline')} value={loaded ? online : null} tone="ok" />
        <Kpi name="gates_offline" label={t('gatesOffline')} value={loaded ? live.gates.length - online : null} tone={loaded && live.gates.length - online > 0 ? 'crit' : undefined} />
        <Kpi name="gates_total" label={t('gatesTotal')} value={loaded ? live.gates.length : null} />
      </div>
      <section className="panel plan" data-loading-state={live.state} aria-label={t('map')}>
        <h2>{t('map')}</h2>
        <VenuePlan plan={venue.plan} zones={venue.zones} gates={live.gates} locale={locale} />
      </section>
      <section className="panel" data-loading-state={live.state} data-testid="gate-health">
        <h2>{t('gates')}</h2>
        {live.state === 'loading' && <p className="muted">…</p>}
        {live.state === 'error' && <p className="error" role="alert">{live.error}</p>}
        {loaded && live.gates.length === 0 && <p className="muted">{t('noGates')}</p>}
        {loaded && live.gates.length > 0 && <div className="scroll"><GateTable gates={live.gates} now={now} /></div>}
      </section>
    </main>
  );
}

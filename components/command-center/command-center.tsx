'use client';
import { useMemo, useState } from 'react';
import { useLocale, useTranslations } from 'use-intl';
import { useLiveGates, useNow } from '../../lib/live/use-live-gates.ts';
import { useSessionKeepAlive } from '../../lib/live/use-session-keep-alive.ts';
import type { TGateStatus } from '../../lib/schemas/live.ts';
import { StaleMark } from '../outage-notice.tsx';
import type { AlarmSubjects } from './alarm-text.ts';
import { AlarmsPanel } from './alarms-panel.tsx';
import { AttractionsPanel } from './attractions-panel.tsx';
import { HotelPanel } from './hotel-panel.tsx';
import { FLOW_WINDOW_MIN, useWallBoards } from './use-wall-boards.ts';
import { rejectDetail } from './reject-detail.ts';
import { yuanFormat } from '../../lib/i18n/money.ts';
import { GateTable } from './gate-table.tsx';
import { CommandCharts } from './charts/command-charts.tsx';
import { VenueMap, type VenueMapProps } from './venue-map.tsx';

export interface TCommandVenue {
  id: number;
  code: string;
  nameZh: string;
  nameEn: string;
  plan: { image: string; width: number; height: number };
  capacity: number;
  zones: VenueMapProps['zones'];
}

function Kpi({
  name,
  label,
  value,
  tone,
  sub,
  display,
  detail,
}: {
  name: string;
  label: string;
  value: number | null;
  tone?: 'ok' | 'crit';
  sub?: string;
  display?: string;
  detail?: string;
}) {
  return (
    <div className={`kpi ${tone ?? ''}`} data-kpi={name} data-value={value ?? ''}>
      <div className="label">{label}</div>
      <div className="value">
        {value === null ? '–' : (display ?? value.toLocaleString())}
        {sub && <span className="sub"> {sub}</span>}
      </div>
      {detail && (
        <div className="detail" title={detail}>
          {detail}
        </div>
      )}
    </div>
  );
}

/**
 * The wall's grid: the map keeps the height it had (the plan is wider than tall, so it was bounded
 * by height and had empty margins), and the attractions take the width it did not use.
 */
const WALL_GRID = {
  gridTemplateColumns: 'minmax(0, 1.15fr) minmax(0, 0.85fr) minmax(0, 0.95fr)',
  gridTemplateAreas: '"kpis kpis kpis" "map attractions alarms" "charts charts gates"',
} as const;
/**
 * A venue with hotels: the hotel panel takes the lower part of the attractions' column (the map
 * and the alarms span both rows, so they keep their height: the rows share the map's 1.45fr).
 */
const WALL_GRID_HOTELS = {
  gridTemplateColumns: WALL_GRID.gridTemplateColumns,
  gridTemplateRows: 'auto minmax(0, 0.8fr) minmax(0, 0.65fr) minmax(0, 1fr)',
  gridTemplateAreas: '"kpis kpis kpis" "map attractions alarms" "map hotel alarms" "charts charts gates"',
} as const;

/**
 * The wall display: KPI strip, venue plan with gate markers and visitor flow, attractions, hotels, alarms,
 * charts and the gate health list, all live.
 */
export function CommandCenter({
  venues,
  initialVenueCode,
  kiosk,
}: {
  venues: TCommandVenue[];
  initialVenueCode?: string;
  kiosk: boolean;
}) {
  const t = useTranslations('cc');
  const ta = useTranslations('alarms');
  const locale = useLocale();
  const [venueId, setVenueId] = useState(() => (venues.find((v) => v.code === initialVenueCode) ?? venues[0])?.id);
  const venue = venues.find((v) => v.id === venueId);
  const live = useLiveGates(venueId);
  const boards = useWallBoards(venueId);
  const to = useTranslations('outage');
  const now = useNow();
  // Wall displays run unattended for days: their sign-in must outlive one session.
  useSessionKeepAlive();
  const online = useMemo(() => live.gates.filter((g: TGateStatus) => g.online).length, [live.gates]);
  const loaded = live.state === 'loaded';
  const c = live.counters;
  const inPark = c ? c.zones.reduce((n, z) => n + z.count, 0) : null;
  const occupancy = useMemo(() => new Map((c?.zones ?? []).map((z) => [z.zoneId, z])), [c]);
  const subjects: AlarmSubjects = useMemo(
    () => ({
      zones: new Map((venue?.zones ?? []).map((z) => [z.id, z])),
      gates: new Map(live.gates.map((g) => [g.id, g])),
      attractions: new Map((boards.attractions.data?.attractions ?? []).map((a) => [a.id, a])),
      hotels: new Map((boards.hotels.data?.hotels ?? []).map((h) => [h.id, h])),
    }),
    [venue, live.gates, boards.attractions.data, boards.hotels.data],
  );
  const activity = useMemo(
    () => new Map((c?.gates ?? []).map((g) => [g.gateId, { scans: g.scans, rejects: g.rejects }])),
    [c],
  );
  const alarmZoneIds = useMemo(
    () => new Set(live.alarms.filter((a) => a.subjectKind === 'zone').map((a) => a.subjectId)),
    [live.alarms],
  );
  const zoneNames = useMemo(
    () => new Map((venue?.zones ?? []).map((z) => [z.id, locale === 'en' ? z.nameEn : z.nameZh])),
    [venue, locale],
  );
  const zoneNamesByCode = useMemo(
    () => new Map((venue?.zones ?? []).map((z) => [z.code, locale === 'en' ? z.nameEn : z.nameZh])),
    [venue, locale],
  );
  const money = yuanFormat(locale);

  if (!venue)
    return (
      <main className="page">
        <p className="notice">{t('noVenue')}</p>
      </main>
    );
  const name = locale === 'en' ? venue.nameEn : venue.nameZh;
  // The hotel panel once the venue is known to have a hotel (a venue without one keeps its grid).
  const withHotels = (boards.hotels.data?.hotels.length ?? 0) > 0;
  return (
    <main
      data-loading-state={live.state}
      data-kiosk={kiosk ? '1' : undefined}
      data-entries-minus-exits={c ? c.carried + c.entries - c.exits : undefined}
      style={withHotels ? WALL_GRID_HOTELS : WALL_GRID}
    >
      <div className="kpis" data-loading-state={live.state} style={{ gridArea: 'kpis' }}>
        <div className="kpi">
          <div className="label">{t('venue')}</div>
          {venues.length > 1 && !kiosk ? (
            <select
              aria-label={t('venue')}
              value={venue.id}
              onChange={(e) => setVenueId(Number(e.target.value))}
              style={{ fontSize: '1.4em', marginTop: '0.3em' }}
            >
              {venues.map((v) => (
                <option key={v.id} value={v.id}>
                  {locale === 'en' ? v.nameEn : v.nameZh}
                </option>
              ))}
            </select>
          ) : (
            <div className="value venue-name">{name}</div>
          )}
          <div className="status-line" aria-live="polite">
            {loaded && live.connected && !live.stale && <span className="live-badge">● {t('live')}</span>}
            <StaleMark stale={live.stale} />
          </div>
        </div>
        <Kpi
          name="in_park"
          label={t('inPark')}
          value={inPark}
          sub={venue.capacity ? `/ ${venue.capacity.toLocaleString()}` : undefined}
        />
        <Kpi
          name="entries_today"
          label={t('entriesToday')}
          value={c?.entries ?? null}
          // Hotel guests asleep in the lodge at the reset are in the park without an entry today.
          sub={c?.carried ? t('carriedOvernight', { count: c.carried }) : undefined}
        />
        <Kpi name="exits_today" label={t('exitsToday')} value={c?.exits ?? null} />
        <Kpi
          name="entry_rate"
          label={t('entryRate')}
          value={c?.entryRate ?? null}
          sub={c ? t('perMinute') : undefined}
        />
        <Kpi name="sold_today" label={t('soldToday')} value={c?.sold ?? null} />
        <Kpi
          name="revenue_today"
          label={t('revenueToday')}
          value={c ? c.revenueFen / 100 : null}
          display={c ? money.format(c.revenueFen / 100) : undefined}
        />
        <Kpi
          name="rejects_today"
          label={t('rejectsToday')}
          value={c?.rejects ?? null}
          detail={
            c
              ? rejectDetail(c, (r) => t(`reasons.${r}` as Parameters<typeof t>[0]), t('rejectsOther'), locale)
              : undefined
          }
        />
        <Kpi
          name="gates_online"
          label={t('gatesOnline')}
          value={loaded ? online : null}
          tone="ok"
          sub={loaded ? `/ ${live.gates.length}` : undefined}
        />
      </div>
      <section className="panel plan" data-loading-state={live.state} aria-label={t('map')} style={{ gridArea: 'map' }}>
        <h2>{t('map')}</h2>
        <VenueMap
          plan={venue.plan}
          zones={venue.zones}
          gates={live.gates}
          occupancy={occupancy}
          activity={activity}
          alarmZoneIds={alarmZoneIds}
          locale={locale}
          flows={boards.flows.data?.flows}
          flowMinutes={boards.flows.data?.minutes ?? FLOW_WINDOW_MIN}
          flowsStale={boards.flows.stale}
        />
      </section>
      <AttractionsPanel
        board={boards.attractions.data}
        state={boards.attractions.state}
        stale={boards.attractions.stale}
        error={boards.attractions.error}
        locale={locale}
      />
      {withHotels && (
        <HotelPanel
          board={boards.hotels.data}
          state={boards.hotels.state}
          stale={boards.hotels.stale}
          error={boards.hotels.error}
          locale={locale}
        />
      )}
      <section className="panel" data-loading-state={live.state} aria-label="alarms" style={{ gridArea: 'alarms' }}>
        <h2>{ta('title')}</h2>
        <div className="scroll">
          <AlarmsPanel alarms={live.alarms} subjects={subjects} kiosk={kiosk} now={now} />
        </div>
      </section>
      <section style={{ gridArea: 'charts', minHeight: 0 }} aria-label="charts">
        <CommandCharts venueId={venue.id} locale={locale} zoneNames={zoneNames} />
      </section>
      <section
        className="panel"
        data-loading-state={live.state}
        data-testid="gate-health"
        style={{ gridArea: 'gates' }}
      >
        <h2>{t('gates')}</h2>
        {live.state === 'loading' && <p className="muted">…</p>}
        {live.state === 'error' &&
          (live.stale ? (
            <p className="muted" role="status">
              {to('waiting')}
            </p>
          ) : (
            <p className="error" role="alert">
              {live.error}
            </p>
          ))}
        {loaded && live.gates.length === 0 && <p className="muted">{t('noGates')}</p>}
        {loaded && live.gates.length > 0 && (
          <div className="scroll">
            <GateTable gates={live.gates} now={now} zoneNames={zoneNamesByCode} />
          </div>
        )}
      </section>
    </main>
  );
}

'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useLocale, useTranslations } from 'use-intl';
import { ABORTABLE, outageAware } from '../../lib/live/outage.ts';
import { useIsStale } from '../../lib/live/use-is-stale.ts';
import { useControlsUpdates } from '../../lib/live/use-controls-updates.ts';
import { useTRPC } from '../../lib/trpc/react.tsx';
import { StaleMark, useErrorText } from '../outage-notice.tsx';
import { AttractionsPanel } from './attractions-panel.tsx';
import { Stepper, Toggle } from './inputs.tsx';

interface Venue {
  id: number;
  code: string;
  nameZh: string;
  nameEn: string;
}

/** The manager's tablet: sales and entry throttles (限流), capacity by date and slot, and the crowd policy. */
export function ControlsScreen({ venues }: { venues: Venue[] }) {
  const t = useTranslations('controls');
  const locale = useLocale();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [venueId, setVenueId] = useState(venues[0]?.id);
  const [day, setDay] = useState<string | undefined>();
  const [reason, setReason] = useState('');
  const [notice, setNotice] = useState<{ text: string; isError: boolean } | null>(null);
  const errorText = useErrorText();
  // Through an outage the last settings stay on screen, marked, and are fetched again until they come.
  const state = useQuery(
    outageAware({
      ...trpc.controls.state.queryOptions({ venueId: venueId ?? 0, day }, { trpc: ABORTABLE }),
      enabled: !!venueId,
      refetchInterval: 10_000,
    }),
  );
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.controls.state.queryKey() });
  const done = {
    onSuccess: () => {
      setNotice({ text: t('saved'), isError: false });
      void refresh();
    },
    onError: (e: unknown) => {
      setNotice({ text: errorText.change(e), isError: true });
      // What is on screen may not be what the server holds: ask again.
      void refresh();
    },
  };
  const setChannel = useMutation(trpc.controls.setChannel.mutationOptions(done));
  const setGate = useMutation(trpc.controls.setGate.mutationOptions(done));
  const setZone = useMutation(trpc.controls.setZoneCap.mutationOptions(done));
  const setQuota = useMutation(trpc.controls.setQuota.mutationOptions(done));
  const resume = useMutation(trpc.controls.resumeOnlineSales.mutationOptions(done));
  const setAttraction = useMutation(trpc.controls.setAttraction.mutationOptions(done));
  const why = reason.trim() || undefined;

  // Changes made elsewhere (another manager, a policy) show up at once.
  const listening = useControlsUpdates(venueId, () => void refresh());
  useEffect(() => {
    // A failure stays until the next action: it must not vanish before it is read.
    if (!notice || notice.isError) return;
    const id = setTimeout(() => setNotice(null), 4_000);
    return () => clearTimeout(id);
  }, [notice]);

  const d = state.data;
  const stale = useIsStale(state) || (!!d && !listening);
  const readError = d ? undefined : (state.error ?? state.failureReason ?? undefined);
  const name = (x: { nameZh: string; nameEn: string }) => (locale === 'en' ? x.nameEn : x.nameZh);
  const zoneNames = useMemo(
    () => new Map((d?.zones ?? []).map((z) => [z.id, locale === 'en' ? z.nameEn : z.nameZh])),
    [d?.zones, locale],
  );
  return (
    <main
      className="page controls"
      data-loading-state={d ? 'loaded' : state.isError ? 'error' : 'loading'}
      data-stale={stale ? '1' : undefined}
    >
      <div className="controls-bar">
        <h1>{t('title')}</h1>
        <StaleMark stale={stale} />
        {venues.length > 1 && (
          <select value={venueId} onChange={(e) => setVenueId(Number(e.target.value))} aria-label="venue">
            {venues.map((v) => (
              <option key={v.id} value={v.id}>
                {name(v)}
              </option>
            ))}
          </select>
        )}
        <label className="grow">
          {t('reason')}
          <input
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder={t('reasonPlaceholder')}
            maxLength={300}
            data-testid="reason"
          />
        </label>
      </div>
      {notice &&
        (notice.isError ? (
          <p className="error" role="alert" data-testid="change-error">
            {notice.text}
          </p>
        ) : (
          <p className="notice" role="status">
            {notice.text}
          </p>
        ))}
      {readError && (
        <p className={state.isError ? 'error' : 'muted'} role="alert">
          {errorText.read(readError)}
        </p>
      )}
      {d?.onlineSalesPaused && (
        <div className="banner crit" role="alert">
          {t('onlinePaused')}
          <button type="button" onClick={() => venueId && resume.mutate({ venueId, reason: why })}>
            {t('resumeOnline')}
          </button>
        </div>
      )}
      {d && (
        <div className="controls-grid">
          <section className="panel">
            <h2>{t('channels')}</h2>
            <table className="grid">
              <tbody>
                {d.channels.map((c) => (
                  <tr key={c.id} data-channel={c.code}>
                    <td>
                      <strong>{c.code}</strong>
                      <br />
                      <span className="muted">{c.name}</span>
                    </td>
                    <td>
                      <div className="muted small">{t('ordersPerMin')}</div>
                      <Stepper
                        value={c.ordersPerMin}
                        step={10}
                        min={1}
                        placeholder={t('default', { n: d.defaultOrdersPerMin })}
                        testId={`rate-${c.code}`}
                        onApply={(v) => setChannel.mutate({ channelId: c.id, ordersPerMin: v, reason: why })}
                      />
                    </td>
                    <td>
                      <Toggle
                        on={!c.paused}
                        labelOn={t('selling')}
                        labelOff={t('paused')}
                        testId={`pause-${c.code}`}
                        onChange={(on) => setChannel.mutate({ channelId: c.id, paused: !on, reason: why })}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section className="panel">
            <h2>{t('quotas')}</h2>
            <label className="inline">
              {t('date')}{' '}
              <input type="date" value={d.day} min={d.today} onChange={(e) => setDay(e.target.value || undefined)} />
            </label>
            <table className="grid">
              <tbody>
                {d.quotas.length === 0 && (
                  <tr>
                    <td className="muted">—</td>
                  </tr>
                )}
                {d.quotas.map((q) => (
                  <tr key={q.slot ?? 'day'} data-slot={q.slot ?? 'day'}>
                    <td>
                      <strong>{q.slot ? `${q.slot}–${q.end}` : t('dayQuota')}</strong>
                      <br />
                      <span className="muted">
                        {q.sold} {t('sold')}
                      </span>
                    </td>
                    <td>
                      <Stepper
                        value={q.capacity}
                        step={100}
                        placeholder=""
                        onApply={(v) =>
                          venueId &&
                          setQuota.mutate({ venueId, day: d.day, slot: q.slot, capacity: v ?? 0, reason: why })
                        }
                      />
                    </td>
                    <td>
                      <Toggle
                        on={!q.closed}
                        labelOn={t('open')}
                        labelOff={t('closed')}
                        onChange={(on) =>
                          venueId && setQuota.mutate({ venueId, day: d.day, slot: q.slot, closed: !on, reason: why })
                        }
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <AttractionsPanel
            attractions={d.attractions}
            zoneNames={zoneNames}
            reason={reason}
            onSet={(input, after) => setAttraction.mutate(input, { onSuccess: after })}
          />
          <section className="panel">
            <h2>{t('zones')}</h2>
            <table className="grid">
              <tbody>
                {d.zones.map((z) => (
                  <tr key={z.id}>
                    <td>
                      <strong>{name(z)}</strong>
                      <br />
                      <span className="muted">
                        {t('capacity')} {z.capacity.toLocaleString()}
                      </span>
                    </td>
                    <td>
                      <div className="muted small">{t('entryCap')}</div>
                      <Stepper
                        value={z.entryCap}
                        step={50}
                        placeholder={t('noCap')}
                        onApply={(v) => setZone.mutate({ zoneId: z.id, entryCap: v, reason: why })}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section className="panel">
            <h2>{t('gates')}</h2>
            <table className="grid">
              <tbody>
                {d.gates
                  .filter((g) => g.direction !== 'out')
                  .map((g) => (
                    <tr key={g.id} data-gate={g.code}>
                      <td>
                        <strong>{g.code}</strong> <span className="muted">{name(g)}</span>
                        {g.byPolicy && (
                          <>
                            <br />
                            <span className="warn-text">{t('byPolicy')}</span>
                          </>
                        )}
                      </td>
                      <td>
                        <div className="muted small">{t('admissionsPerMin')}</div>
                        <Stepper
                          value={g.admissionsPerMin}
                          step={5}
                          min={1}
                          placeholder={t('unlimited')}
                          onApply={(v) => setGate.mutate({ gateId: g.id, admissionsPerMin: v, reason: why })}
                        />
                      </td>
                      <td>
                        <Toggle
                          on={!g.closed}
                          labelOn={t('open')}
                          labelOff={t('closed')}
                          testId={`gate-${g.code}`}
                          onChange={(on) => setGate.mutate({ gateId: g.id, closed: !on, reason: why })}
                        />
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </section>
        </div>
      )}
    </main>
  );
}

'use client';
import { useState } from 'react';
import { useLocale, useTranslations } from 'use-intl';
import type { TSetAttraction } from '../../lib/schemas/controls.ts';
import { Stepper, Toggle } from './inputs.tsx';

/** An attraction as the controls screen gets it (controls.state). */
export interface TAttractionRow {
  id: number;
  code: string;
  nameZh: string;
  nameEn: string;
  kind: 'ropeway' | 'lift' | 'carpet' | 'show' | 'ride';
  hourlyCapacity: number;
  opens: string;
  closes: string;
  closed: boolean;
  ridesPerMin: number | null;
  note: string | null;
  /** It carries people between zones (a ropeway): closing it can strand them. */
  carries: boolean;
  /** The zones its closing strands (or strands now), and the people in them today. */
  farZoneIds: number[];
  farPeople: number;
}

/**
 * Attractions on the manager's tablet (项目): close or reopen one, and throttle its gates to riders
 * per minute. Closing asks for a note first and, for a ropeway, says who is up at its far end.
 */
export function AttractionsPanel({
  attractions,
  zoneNames,
  reason,
  onSet,
}: {
  attractions: TAttractionRow[];
  zoneNames: Map<number, string>;
  /** The screen's reason for changes, offered as the closing note. */
  reason: string;
  onSet: (input: TSetAttraction, done: () => void) => void;
}) {
  const t = useTranslations('attractionControls');
  const locale = useLocale();
  const [closing, setClosing] = useState<number | null>(null);
  const [note, setNote] = useState('');
  const why = reason.trim() || undefined;
  if (!attractions.length) return null;
  return (
    <section className="panel" data-testid="attractions">
      <h2>{t('title')}</h2>
      <table className="grid">
        <tbody>
          {attractions.map((a) => {
            const far = a.farZoneIds.map((z) => zoneNames.get(z) ?? `#${z}`).join(locale === 'en' ? ', ' : '、');
            return (
              <tr key={a.id} data-attraction={a.code} data-closed={a.closed ? '1' : '0'}>
                <td>
                  <strong>{locale === 'en' ? a.nameEn : a.nameZh}</strong>{' '}
                  <span className="muted">
                    {a.code} · {t(`kind.${a.kind}`)}
                  </span>
                  <br />
                  <span className="muted small">
                    {t('hours', { opens: a.opens, closes: a.closes })} ·{' '}
                    {t('capacity', { n: a.hourlyCapacity.toLocaleString(locale) })}
                  </span>
                  {a.closed && a.note && (
                    <>
                      <br />
                      <span className="warn-text" data-testid={`note-${a.code}`}>
                        {t('closedBecause', { note: a.note })}
                      </span>
                    </>
                  )}
                  {a.closed && a.farPeople > 0 && (
                    <>
                      <br />
                      <span className="error small" role="status" data-testid={`stranded-${a.code}`}>
                        {t('stranded', { n: a.farPeople, zones: far })}
                      </span>
                    </>
                  )}
                  {closing === a.id && (
                    <form
                      className="form-row"
                      onSubmit={(e) => {
                        e.preventDefault();
                        if (!note.trim()) return;
                        onSet({ attractionId: a.id, closed: true, note: note.trim() }, () => setClosing(null));
                      }}
                    >
                      {a.carries && a.farPeople > 0 && (
                        <p className="error small" role="alert">
                          {t('willStrand', { n: a.farPeople, zones: far })}
                        </p>
                      )}
                      <label className="grow">
                        {t('note')}
                        <input
                          value={note}
                          onChange={(e) => setNote(e.target.value)}
                          placeholder={t('notePlaceholder')}
                          maxLength={300}
                          required
                          // biome-ignore lint/a11y/noAutofocus: the form opens on a tap and the note is all it asks for
                          autoFocus
                          data-testid={`close-note-${a.code}`}
                        />
                      </label>
                      <button type="submit" disabled={!note.trim()} data-testid={`confirm-close-${a.code}`}>
                        {t('confirmClose')}
                      </button>
                      <button type="button" className="secondary" onClick={() => setClosing(null)}>
                        {t('cancel')}
                      </button>
                    </form>
                  )}
                </td>
                <td>
                  <div className="muted small">{t('ridesPerMin')}</div>
                  <Stepper
                    value={a.ridesPerMin}
                    step={5}
                    min={1}
                    placeholder={t('noLimit')}
                    testId={`rides-${a.code}`}
                    onApply={(v) => onSet({ attractionId: a.id, ridesPerMin: v, note: why }, () => {})}
                  />
                </td>
                <td>
                  <Toggle
                    on={!a.closed}
                    labelOn={t('running')}
                    labelOff={t('closed')}
                    testId={`attraction-${a.code}`}
                    onChange={(on) => {
                      if (on) onSet({ attractionId: a.id, closed: false, note: why }, () => {});
                      else {
                        setNote(reason.trim());
                        setClosing(a.id);
                      }
                    }}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

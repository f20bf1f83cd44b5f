'use client';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useLocale, useTranslations } from 'use-intl';
import type { TAlarm } from '../../lib/schemas/live.ts';
import { useTRPC } from '../../lib/trpc/react.tsx';
import { useErrorText } from '../outage-notice.tsx';
import { alarmDetail, alarmSubject, type AlarmSubjects, type TAlarmStrings } from './alarm-text.ts';

/** A critical alarm nobody acknowledged beeps this often (ms). */
const BEEP_EVERY_MS = 4_000;

/** Two short tones through Web Audio: no sound file to ship or fetch. */
function beep(ctx: AudioContext): void {
  for (const [i, freq] of [880, 660].entries()) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, ctx.currentTime + i * 0.25);
    gain.gain.exponentialRampToValueAtTime(0.3, ctx.currentTime + i * 0.25 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + i * 0.25 + 0.22);
    osc.connect(gain).connect(ctx.destination);
    osc.start(ctx.currentTime + i * 0.25);
    osc.stop(ctx.currentTime + i * 0.25 + 0.24);
  }
}

/** Open alarms, critical first; operators acknowledge them here (not in kiosk mode). Critical ones are audible. */
export function AlarmsPanel({
  alarms,
  subjects,
  kiosk,
  now,
}: {
  alarms: TAlarm[];
  subjects: AlarmSubjects;
  kiosk: boolean;
  now: number;
}) {
  const t = useTranslations('alarms');
  const tv = useTranslations('attractions.alarm');
  const locale = useLocale();
  const words: TAlarmStrings = useMemo(
    () => ({
      venue: t('venue'),
      queue: (pct) => tv('queue', { pct }),
      silent: (n) => tv('silent', { n }),
      stranded: (n) => tv('stranded', { n }),
      roomsShort: (n) => t('roomsShort', { n }),
    }),
    [t, tv],
  );
  const trpc = useTRPC();
  const ack = useMutation(trpc.alarms.acknowledge.mutationOptions());
  const errorText = useErrorText();
  const [acking, setAcking] = useState<number | null>(null);
  const [note, setNote] = useState('');
  const [sound, setSound] = useState(true);
  const audio = useRef<AudioContext | null>(null);
  const ringing = sound && alarms.some((a) => a.severity === 'critical' && a.state === 'active');

  useEffect(() => {
    if (!ringing) return;
    audio.current ??= new AudioContext();
    const ctx = audio.current;
    const ring = () => {
      // Browsers start audio suspended until a gesture; kiosk Chromium runs with --autoplay-policy=no-user-gesture-required.
      if (ctx.state === 'suspended') void ctx.resume();
      beep(ctx);
    };
    ring();
    const id = setInterval(ring, BEEP_EVERY_MS);
    return () => clearInterval(id);
  }, [ringing]);

  const subject = (a: TAlarm) => alarmSubject(a, subjects, locale, words);
  const detail = (a: TAlarm) => alarmDetail(a, words);
  const since = (iso: string) => {
    const m = Math.max(0, Math.round((now - new Date(iso).getTime()) / 60_000));
    return new Date(iso).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' }) + (m > 0 ? ` (${m}′)` : '');
  };

  return (
    <div className="alarms" data-testid="alarms" data-count={alarms.length} data-ringing={ringing ? '1' : '0'}>
      {!kiosk && (
        <button
          type="button"
          className="secondary"
          onClick={() => setSound((s) => !s)}
          aria-pressed={sound}
          style={{ alignSelf: 'flex-end' }}
        >
          {sound ? t('sound') : t('soundOff')}
        </button>
      )}
      {alarms.length === 0 && <p className="muted">{t('none')}</p>}
      {alarms.map((a) => (
        <div
          key={a.id}
          className={`alarm ${a.severity} ${a.state}`}
          data-alarm-id={a.id}
          data-kind={a.kind}
          data-state={a.state}
          data-subject={`${a.subjectKind}:${a.subjectId}`}
          data-value={a.value ?? undefined}
          role={a.severity === 'critical' && a.state === 'active' ? 'alert' : undefined}
        >
          <span className="sev">{t(`severity.${a.severity}`)}</span>
          <span>
            <strong>{subject(a)}</strong> · {t(`kind.${a.kind}`)} {detail(a)}
          </span>
          {!kiosk && a.state === 'active' && acking !== a.id && (
            <button
              type="button"
              onClick={() => {
                setAcking(a.id);
                setNote('');
              }}
            >
              {t('ack')}
            </button>
          )}
          {kiosk || a.state !== 'active' ? <span className="muted">{t(`state.${a.state}`)}</span> : null}
          <span className="meta">
            {since(a.openedAt)}
            {a.escalated && ` · ${t('escalated')}`}
            {a.ackedBy && ` · ${t('acked', { who: a.ackedBy })}${a.ackNote ? `: ${a.ackNote}` : ''}`}
          </span>
          {acking === a.id && (
            <form
              className="form-row"
              style={{ gridColumn: '1 / 4', margin: 0 }}
              onSubmit={(e) => {
                e.preventDefault();
                ack.mutate({ id: a.id, note: note || undefined }, { onSettled: () => setAcking(null) });
              }}
            >
              <input
                // biome-ignore lint/a11y/noAutofocus: the note field opens on the operator's own click, who types into it next
                autoFocus
                value={note}
                onChange={(e) => setNote(e.target.value)}
                placeholder={t('ackNote')}
                maxLength={500}
                aria-label={t('ackNote')}
              />
              <button type="submit" disabled={ack.isPending}>
                {t('ack')}
              </button>
              <button type="button" className="secondary" onClick={() => setAcking(null)}>
                ×
              </button>
            </form>
          )}
        </div>
      ))}
      {ack.error && (
        <p className="error" role="alert">
          {errorText.change(ack.error)}
        </p>
      )}
    </div>
  );
}

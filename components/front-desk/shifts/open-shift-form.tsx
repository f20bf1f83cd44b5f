'use client';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslations } from 'use-intl';
import type { z } from 'zod';
import { ZOpenShift } from '../../../lib/schemas/front-desk.ts';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { useErrorText } from '../../outage-notice.tsx';
import type { TShift } from './shift-types.ts';
import styles from './shifts.module.css';

type TOpenInput = z.input<typeof ZOpenShift>;

/**
 * Opens a shift (开班): the window and the opening float (备用金, yuan). The float has the focus, so
 * a cashier types the amount and presses Enter. Windows that already have an open shift are shown
 * as taken (the server says which, not whose), and any the server has just refused as taken.
 */
export function OpenShiftForm({ venueId, onOpened }: { venueId: number; onOpened: (shift: TShift) => void }) {
  const t = useTranslations('fd.shifts.open');
  const trpc = useTRPC();
  const qc = useQueryClient();
  const errorText = useErrorText();
  const windows = useQuery(trpc.frontDesk.windows.queryOptions({ venueId }));
  const shifts = useQuery(trpc.frontDesk.shifts.queryOptions({ venueId }));
  const [refused, setRefused] = useState<number[]>([]);
  const [lostWindow, setLostWindow] = useState<string | null>(null);
  const taken = useMemo(() => {
    const s = new Set(refused);
    for (const x of shifts.data ?? []) if (!x.closedAt) s.add(x.window.id);
    for (const w of windows.data?.windows ?? []) if (w.taken) s.add(w.id);
    return s;
  }, [refused, shifts.data, windows.data]);
  const list = windows.data?.windows ?? [];
  const firstFree = list.find((w) => !taken.has(w.id))?.id;

  const form = useForm<TOpenInput>({
    resolver: zodResolver(ZOpenShift),
    defaultValues: { channelId: undefined, openingFloat: undefined },
  });
  const channelId = form.watch('channelId');
  useEffect(() => {
    if (firstFree !== undefined && (channelId === undefined || taken.has(channelId)))
      form.setValue('channelId', firstFree);
  }, [firstFree, channelId, taken, form]);
  useEffect(() => form.setFocus('openingFloat'), [form]);

  const open = useMutation(
    trpc.frontDesk.openShift.mutationOptions({
      onSuccess: (shift) => {
        void qc.invalidateQueries({ queryKey: trpc.frontDesk.windows.queryKey() });
        void qc.invalidateQueries({ queryKey: trpc.frontDesk.shifts.queryKey() });
        onOpened(shift);
      },
      onError: (err, input) => {
        const e = err as { data?: { appCode?: string } | null; message?: string };
        // Someone else opened this window first: mark it taken and move on to the next free one.
        if (e.data?.appCode === 'conflict' && /window .* already has an open shift/.test(e.message ?? '')) {
          setRefused((r) => [...r, input.channelId]);
          setLostWindow(list.find((w) => w.id === input.channelId)?.code ?? String(input.channelId));
        }
      },
    }),
  );
  const onSubmit = form.handleSubmit((v) => {
    setLostWindow(null);
    open.mutate({ channelId: v.channelId, openingFloat: v.openingFloat });
  });
  const errors = form.formState.errors;
  const floatField = form.register('openingFloat', { setValueAs: (v) => (v === '' ? Number.NaN : Number(v)) });

  if (windows.isPending)
    return (
      <p className="muted" data-loading-state="loading">
        {t('loading')}
      </p>
    );
  if (windows.isError)
    return (
      <p className="error" role="alert" data-loading-state="error">
        {errorText.read(windows.error)}
      </p>
    );
  if (!list.length)
    return (
      <p className="panel" role="alert" data-testid="open-shift-no-windows" data-loading-state="loaded">
        {t('noWindows')}
      </p>
    );
  return (
    <form
      className={`panel ${styles.openForm}`}
      onSubmit={onSubmit}
      data-testid="open-shift-form"
      data-loading-state="loaded"
      noValidate
    >
      <h2>{t('title')}</h2>
      <fieldset className={styles.windows}>
        <legend>{t('window')}</legend>
        {list.map((w) => {
          const isTaken = taken.has(w.id);
          return (
            <label
              key={w.id}
              className={styles.window}
              data-taken={isTaken || undefined}
              data-testid={`open-shift-window-${w.code}`}
            >
              <input
                type="radio"
                name="channelId"
                value={w.id}
                checked={channelId === w.id}
                disabled={isTaken}
                onChange={() => form.setValue('channelId', w.id, { shouldValidate: true })}
              />
              <span>
                <strong>{w.code}</strong> {w.name}
              </span>
              {isTaken ? <span className={styles.taken}>{t('taken')}</span> : null}
            </label>
          );
        })}
        {errors.channelId ? (
          <p className="error" role="alert">
            {t('chooseWindow')}
          </p>
        ) : null}
      </fieldset>
      <label className={styles.field}>
        <span>{t('float')}</span>
        <span className={styles.money}>
          ¥
          <input
            {...floatField}
            inputMode="decimal"
            autoComplete="off"
            placeholder="500.00"
            data-testid="open-shift-float"
            aria-invalid={!!errors.openingFloat}
          />
        </span>
      </label>
      {errors.openingFloat ? (
        <p className="error" role="alert" data-testid="open-shift-float-error">
          {t('floatInvalid')}
        </p>
      ) : null}
      <p className="muted">{t('floatHint')}</p>
      {open.error && lostWindow ? (
        <p className="error" role="alert" data-testid="open-shift-error">
          {t('windowTaken', { window: lostWindow })}
        </p>
      ) : open.error ? (
        <p className="error" role="alert" data-testid="open-shift-error">
          {errorText.change(open.error)}
        </p>
      ) : null}
      <button type="submit" disabled={open.isPending || firstFree === undefined} data-testid="open-shift-submit">
        {open.isPending ? t('opening') : t('submit')} <kbd>Enter</kbd>
      </button>
      {firstFree === undefined ? <p className="muted">{t('allTaken')}</p> : null}
    </form>
  );
}

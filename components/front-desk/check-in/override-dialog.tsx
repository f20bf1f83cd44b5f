'use client';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { useTranslations } from 'use-intl';
import type { z } from 'zod';
import { useDeskUpdates } from '../../../lib/live/use-desk-updates.ts';
import { OVERRIDE_REASONS, type ZApprovalOverride, ZSupervisorOverride } from '../../../lib/schemas/front-desk.ts';
import type { TOverrideRequestView } from '../../../lib/schemas/override-request.ts';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { useErrorText } from '../../outage-notice.tsx';
import { useDesk } from '../desk-shell.tsx';
import { SupervisorFields } from '../supervisor-fields.tsx';
import styles from './check-in.module.css';

/** The override with credentials typed here: the same schema the server parses. */
const ZOverride = ZSupervisorOverride;
type TOverrideIn = z.input<typeof ZOverride>;
type TCredentials = z.output<typeof ZOverride>;
/** What the admission sends: the supervisor's credentials typed here, or their approval from their own screen. */
export type TOverride = TCredentials | z.output<typeof ZApprovalOverride>;

const FOCUSABLE = 'input, select, textarea, button, [tabindex]:not([tabindex="-1"])';
/** How often the desk asks for the answer itself (ms): rarely while the socket brings it, often while it cannot. */
const ANSWER_POLL_LIVE_MS = 30_000;
const ANSWER_POLL_OFFLINE_MS = 5_000;

/**
 * The supervisor's approval for an admission the gates refuse (主管授权放行): a reason code and a
 * note, then either the supervisor's own credentials typed here, or a request to the venue's
 * supervisors (请求主管授权) that waits for their answer and admits with it once approved.
 * Keyboard only: focus stays inside, Enter confirms, Alt+R asks a supervisor, Esc cancels (and
 * withdraws a request still waiting).
 */
export function OverrideDialog({
  refusal,
  target,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  /** Why the gates refuse it, already in words. */
  refusal: string;
  /** The admission the override is for: a request to a supervisor names it. */
  target: { gateId: number; ticketId: number; direction: 'in' | 'out' };
  busy: boolean;
  /** What the server answered to the last attempt (wrong credentials, throttled...). */
  error: string | null;
  onConfirm: (o: TOverride) => void;
  onCancel: () => void;
}) {
  const t = useTranslations('fd.checkIn');
  const ta = useTranslations('fd.approvals.request');
  const { venue, locale } = useDesk();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const id = useId();
  const ref = useRef<HTMLDialogElement>(null);
  const form = useForm<TOverrideIn, unknown, TCredentials>({
    resolver: zodResolver(ZOverride),
    defaultValues: { reason: 'staff_error', note: '', supervisor: { email: '', password: '' } },
  });
  const { errors } = form.formState;

  // The request to a supervisor, once asked: followed live, and polled as a backstop.
  const [requestId, setRequestId] = useState<number | null>(null);
  const [askError, setAskError] = useState<string | null>(null);
  const requestM = useMutation(trpc.frontDesk.approvals.request.mutationOptions());
  const cancelM = useMutation(trpc.frontDesk.approvals.cancel.mutationOptions());
  const keyOf = (rid: number) => trpc.frontDesk.approvals.get.queryKey({ requestId: rid });
  const current = useRef<number | null>(null);
  current.current = requestId;
  const link = useDeskUpdates(venue.id, {
    onDecided: (r) => {
      if (r.id === current.current) queryClient.setQueryData(keyOf(r.id), r);
    },
    onResync: () => {
      if (current.current) void queryClient.invalidateQueries({ queryKey: keyOf(current.current) });
    },
  });
  const isLive = link !== 'down';
  const status = useQuery({
    ...trpc.frontDesk.approvals.get.queryOptions({ requestId: requestId ?? 0 }),
    enabled: requestId !== null,
    refetchInterval: (q) =>
      q.state.data && q.state.data.state !== 'pending' ? false : isLive ? ANSWER_POLL_LIVE_MS : ANSWER_POLL_OFFLINE_MS,
  });
  const request: TOverrideRequestView | undefined = requestId !== null ? status.data : undefined;

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    d?.querySelector<HTMLElement>('select')?.focus();
  }, []);

  // A failed approval keeps the reason and note; the supervisor types the password again.
  useEffect(() => {
    if (!error || requestId !== null) return;
    form.setValue('supervisor.password', '');
    ref.current?.querySelector<HTMLInputElement>('input[type="password"]')?.focus();
  }, [error, form, requestId]);

  // Approved: admit with it, once per request (a failed admission is shown, not retried by itself).
  const admittedWith = useRef<number | null>(null);
  useEffect(() => {
    if (request?.state !== 'approved' || admittedWith.current === request.id) return;
    admittedWith.current = request.id;
    onConfirm({ approvalId: request.id });
  }, [request, onConfirm]);

  // The waiting panel takes the focus (its first button), so its keys work at once; again when the answer comes.
  const answer = request?.state;
  useEffect(() => {
    if (requestId !== null && answer) ref.current?.querySelector<HTMLElement>('[data-approval-focus]')?.focus();
  }, [requestId, answer]);

  const ask = async () => {
    if (requestM.isPending || !(await form.trigger(['reason', 'note']))) return;
    const { reason, note } = form.getValues();
    setAskError(null);
    try {
      const r = await requestM.mutateAsync({ ...target, reason, ...(note?.trim() ? { note } : {}) });
      queryClient.setQueryData(keyOf(r.id), r);
      setRequestId(r.id);
    } catch (err) {
      setAskError(ta('failed', { message: errorText.change(err) }));
    }
  };

  /** Back to the form (ask again, or credentials instead); `focus` says where the cursor goes. */
  const backToForm = (focus: 'ask' | 'credentials') => {
    setRequestId(null);
    requestAnimationFrame(() =>
      ref.current
        ?.querySelector<HTMLElement>(focus === 'ask' ? '[data-testid="checkin-approval-ask"]' : 'input[type="email"]')
        ?.focus(),
    );
  };

  /** Esc: a request still waiting is withdrawn (the supervisors' list drops it), then the dialog closes. */
  const close = () => {
    if (request?.state === 'pending') cancelM.mutate({ requestId: request.id });
    onCancel();
  };

  const onFormKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onCancel();
      return;
    }
    if (e.altKey && e.code === 'KeyR') {
      e.preventDefault();
      void ask();
      return;
    }
    if (e.key === 'Enter' && !(e.target instanceof HTMLButtonElement)) {
      // Enter confirms from any field, the reason's select included.
      e.preventDefault();
      e.currentTarget.requestSubmit();
      return;
    }
    if (e.key === 'Tab') trapTab(e);
  };

  const onWaitingKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (
      e.altKey &&
      e.code === 'KeyR' &&
      request &&
      request.state !== 'pending' &&
      request.state !== 'approved'
    ) {
      e.preventDefault();
      backToForm('ask');
    } else if (e.key === 'Tab') trapTab(e);
  };

  const supervisorError =
    error ??
    (errors.supervisor?.email?.message || errors.supervisor?.password?.message
      ? [errors.supervisor?.email?.message, errors.supervisor?.password?.message].filter(Boolean).join('; ')
      : undefined);
  const timeOf = (iso: string) =>
    new Date(iso).toLocaleTimeString(locale, { hour12: false, timeZone: venue.timeZone, timeStyle: 'short' });

  return (
    <dialog
      ref={ref}
      className={styles.dialog}
      aria-labelledby={`${id}-title`}
      data-testid="checkin-override-dialog"
      onCancel={(e) => {
        e.preventDefault();
        close();
      }}
    >
      {requestId === null ? (
        <form onSubmit={form.handleSubmit(onConfirm)} onKeyDown={onFormKeyDown} noValidate>
          <h2 id={`${id}-title`}>{t('overrideTitle')}</h2>
          <p className={styles.refusal}>{t('overrideIntro', { reason: refusal })}</p>
          <label htmlFor={`${id}-reason`}>{t('reason')}</label>
          <select id={`${id}-reason`} data-testid="checkin-override-reason" {...form.register('reason')}>
            {OVERRIDE_REASONS.map((r) => (
              <option key={r} value={r}>
                {t(`reasons.${r}`)}
              </option>
            ))}
          </select>
          {errors.reason ? <p className="error">{errors.reason.message}</p> : null}
          <label htmlFor={`${id}-note`}>{t('note')}</label>
          <input
            id={`${id}-note`}
            data-testid="checkin-override-note"
            autoComplete="off"
            placeholder={t('notePlaceholder')}
            {...form.register('note')}
          />
          {errors.note ? <p className="error">{errors.note.message}</p> : null}
          <button
            type="button"
            className={styles.askBtn}
            disabled={requestM.isPending}
            onClick={() => void ask()}
            data-testid="checkin-approval-ask"
          >
            {requestM.isPending ? ta('sending') : ta('ask')} <kbd>Alt+R</kbd>
          </button>
          {askError ? (
            <p className="error" role="alert" data-testid="checkin-approval-error">
              {askError}
            </p>
          ) : null}
          <p className="muted">{ta('orCredentials')}</p>
          <Controller
            control={form.control}
            name="supervisor"
            render={({ field }) => (
              <SupervisorFields
                value={{ email: field.value?.email ?? '', password: field.value?.password ?? '' }}
                onChange={field.onChange}
                error={supervisorError}
              />
            )}
          />
          <p className="muted">
            {t('dialogKeys')} · <kbd>Alt+R</kbd> {ta('ask')}
          </p>
          <div className={styles.dialogActions}>
            <button type="submit" disabled={busy} data-testid="checkin-override-confirm">
              {t('confirm')} <kbd>Enter</kbd>
            </button>
            <button type="button" className="secondary" onClick={onCancel} data-testid="checkin-override-cancel">
              {t('cancel')} <kbd>Esc</kbd>
            </button>
          </div>
        </form>
      ) : (
        // biome-ignore lint/a11y/noStaticElementInteractions: the keys of the waiting panel, for the buttons inside it
        <div
          className={styles.approval}
          onKeyDown={onWaitingKeyDown}
          data-testid="checkin-approval"
          data-state={request?.state ?? 'pending'}
        >
          <h2 id={`${id}-title`}>{t('overrideTitle')}</h2>
          <p className={styles.refusal}>{t('overrideIntro', { reason: refusal })}</p>
          <div role="status" aria-live="polite" className={styles.approvalStatus}>
            {!request || request.state === 'pending' ? (
              <>
                <p className={styles.approvalMain}>{ta('waiting')}</p>
                {request ? (
                  <p className="muted">
                    {ta('askedAt', { time: timeOf(request.requestedAt), expires: timeOf(request.expiresAt) })}
                  </p>
                ) : null}
                {!isLive ? <p className="muted">{ta('liveOff', { seconds: ANSWER_POLL_OFFLINE_MS / 1000 })}</p> : null}
              </>
            ) : request.state === 'approved' ? (
              <p className={`${styles.approvalMain} ${styles.ok}`}>
                {ta('approved', { supervisor: request.decidedBy?.name ?? '' })}
                {busy ? ' …' : null}
              </p>
            ) : request.state === 'denied' ? (
              <>
                <p className={`${styles.approvalMain} ${styles.bad}`}>
                  {ta('denied', { supervisor: request.decidedBy?.name ?? '' })}
                </p>
                {request.decisionNote ? (
                  <p data-testid="checkin-approval-note">{ta('deniedNote', { note: request.decisionNote })}</p>
                ) : null}
              </>
            ) : (
              <p className={`${styles.approvalMain} ${styles.bad}`}>{ta(request.state)}</p>
            )}
          </div>
          {error ? (
            <p className="error" role="alert" data-testid="checkin-approval-error">
              {error}
            </p>
          ) : null}
          <p className="muted">{ta('keys')}</p>
          <div className={styles.dialogActions}>
            {!request || request.state === 'pending' ? (
              <button type="button" className="secondary" data-approval-focus onClick={close}>
                {ta('withdraw')} <kbd>Esc</kbd>
              </button>
            ) : (
              <>
                {request.state !== 'approved' ? (
                  <>
                    <button type="button" data-approval-focus onClick={() => backToForm('ask')}>
                      {ta('askAgain')} <kbd>Alt+R</kbd>
                    </button>
                    <button type="button" className="secondary" onClick={() => backToForm('credentials')}>
                      {ta('credentials')}
                    </button>
                  </>
                ) : null}
                <button
                  type="button"
                  className="secondary"
                  data-approval-focus={request.state === 'approved' ? true : undefined}
                  onClick={close}
                >
                  {ta('close')} <kbd>Esc</kbd>
                </button>
              </>
            )}
          </div>
        </div>
      )}
    </dialog>
  );
}

/** Keeps Tab inside the dialog's panel. */
function trapTab(e: KeyboardEvent<HTMLElement>) {
  const items = [...e.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => !(el as HTMLInputElement).disabled,
  );
  if (!items.length) return;
  const first = items[0];
  const last = items[items.length - 1];
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

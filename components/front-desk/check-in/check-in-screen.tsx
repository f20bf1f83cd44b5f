'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type KeyboardEvent, type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { useHotkeys } from 'react-hotkeys-hook';
import { useTranslations } from 'use-intl';
import { checkIdCard, maskIdCard } from '../../../lib/id-card.ts';
import { normalizeGroupCode } from '../../../lib/ticket-code.ts';
import type { TOverrideReason } from '../../../lib/schemas/front-desk.ts';
import type { TScanReason } from '../../../lib/schemas/scan.ts';
import { useTRPC, useTRPCClient } from '../../../lib/trpc/react.tsx';
import { useErrorText } from '../../outage-notice.tsx';
import { useDesk } from '../desk-shell.tsx';
import styles from './check-in.module.css';
import { GroupPanel, type TGroup } from './group-panel.tsx';
import { OverrideDialog, type TOverride } from './override-dialog.tsx';
import { OverridesReport } from './overrides-report.tsx';

type TDirection = 'in' | 'out';
type TClient = ReturnType<typeof useTRPCClient>;
type TCheck = Awaited<ReturnType<TClient['frontDesk']['check']['query']>>;
type TTicket = Extract<TCheck, { found: true }>['ticket'];
type TDecision = Extract<TCheck, { found: true }>['decision'];
type TCandidate = { id: number; type: string; typeNameZh: string; typeNameEn: string; date: string };
type TAck = Awaited<ReturnType<TClient['frontDesk']['admit']['mutate']>>;

/** What the desk shows for the last thing presented. */
type TView =
  /** `done`: admitted by this desk; the decision shown is no longer the ticket's. */
  | { kind: 'ticket'; label: string; ticket: TTicket; decision: TDecision; done?: boolean }
  | { kind: 'group'; label: string; group: TGroup; n: number }
  | { kind: 'notFound'; label: string; reason: 'unknown' | 'invalid'; byId: boolean }
  | { kind: 'error'; label: string; message: string };

/** The outcome of the last admission attempt. */
type TOutcome = { tone: 'ok' | 'bad'; text: string; testResult: string };

interface TRecent {
  n: number;
  at: Date;
  kind: 'check' | 'admit' | 'override' | 'group';
  label: string;
  what: string;
  tone: 'ok' | 'bad';
  text: string;
}

/** The session's list of checks and admissions is bounded: a desk runs all day. */
const RECENT_MAX = 20;
/** Remembered per venue, so a desk PC keeps its gate. */
const GATE_KEY = 'tw-checkin-gate';
const ID_LIKE = /^\d{17}[\dXx]$/;

const newRequestId = () => crypto.randomUUID().replaceAll('-', '');

/** A holder's name as the desk shows it: first character (and last of three or more) only. */
function maskName(name: string): string {
  const c = Array.from(name.trim());
  if (c.length <= 1) return c.join('');
  if (c.length === 2) return `${c[0]}*`;
  return c[0] + '*'.repeat(c.length - 2) + c[c.length - 1];
}

function appCodeOf(err: unknown): string | undefined {
  const data = (err as { data?: { appCode?: unknown } } | null)?.data;
  return typeof data?.appCode === 'string' ? data.appCode : undefined;
}

/** Seconds until a throttle lets the next try through, as the server said. */
function retryAfterOf(err: unknown): number | undefined {
  const data = (err as { data?: { retryAfterS?: unknown } } | null)?.data;
  return typeof data?.retryAfterS === 'number' ? data.retryAfterS : undefined;
}

export function CheckInScreen() {
  const { venue, user, locale } = useDesk();
  const t = useTranslations('fd.checkIn');
  const tr = useTranslations('cc.reasons');
  const errorText = useErrorText();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const gates = useQuery(trpc.frontDesk.gates.queryOptions({ venueId: venue.id }));
  const admitM = useMutation(trpc.frontDesk.admit.mutationOptions());
  const groupM = useMutation(trpc.frontDesk.admitGroup.mutationOptions());

  const inputRef = useRef<HTMLInputElement>(null);
  const gateRef = useRef<HTMLSelectElement>(null);
  const [gateId, setGateId] = useState<number | null>(null);
  const [direction, setDirection] = useState<TDirection>('in');
  const [text, setText] = useState('');
  const [checking, setChecking] = useState(false);
  const [view, setView] = useState<TView | null>(null);
  const [candidates, setCandidates] = useState<{ idNumber: string; list: TCandidate[] } | null>(null);
  const [picked, setPicked] = useState(0);
  const [outcome, setOutcome] = useState<TOutcome | null>(null);
  const [overrideOpen, setOverrideOpen] = useState(false);
  const [overrideError, setOverrideError] = useState<string | null>(null);
  const [recent, setRecent] = useState<TRecent[]>([]);
  // One id per admission attempt: kept while the answer is unknown (a retry admits once), new after an answer.
  const requestId = useRef(newRequestId());
  const seq = useRef(0);

  const gateList = gates.data ?? [];
  const gate = gateList.find((g) => g.id === gateId) ?? null;
  const gateName = (g: { code: string; nameZh: string; nameEn: string }) =>
    `${g.code} · ${locale === 'en' ? g.nameEn : g.nameZh}`;

  useEffect(() => {
    if (!gates.data?.length) return;
    const saved = Number(window.localStorage.getItem(`${GATE_KEY}-${venue.id}`));
    setGateId((cur) =>
      gates.data.some((g) => g.id === cur) ? cur : (gates.data.find((g) => g.id === saved) ?? gates.data[0]).id,
    );
  }, [gates.data, venue.id]);

  const focusInput = useCallback(() => {
    // After a render: the input may have been disabled or a dialog just closed.
    requestAnimationFrame(() => {
      inputRef.current?.focus();
      inputRef.current?.select();
    });
  }, []);

  // On load, and once the gates are known (the input is disabled until a gate is chosen).
  useEffect(() => {
    if (gateId !== null) focusInput();
  }, [gateId, focusInput]);

  // Back to the input once the override dialog has gone (it held the focus while open).
  const wasOpen = useRef(false);
  useEffect(() => {
    if (wasOpen.current && !overrideOpen) focusInput();
    wasOpen.current = overrideOpen;
  }, [overrideOpen, focusInput]);

  const addRecent = (r: Omit<TRecent, 'n' | 'at'>) =>
    setRecent((list) => [{ ...r, n: ++seq.current, at: new Date() }, ...list].slice(0, RECENT_MAX));

  const reasonText = (reason: string | undefined) =>
    reason && tr.has(reason as TScanReason) ? tr(reason as TScanReason) : (reason ?? '');

  const verdictText = (d: TDecision) =>
    d.result === 'admit'
      ? direction === 'in'
        ? t('verdict.admit')
        : t('verdict.admitOut')
      : t('verdict.reject', { reason: reasonText(d.reason) });

  const showTicket = (label: string, ticket: TTicket, decision: TDecision) => {
    setView({ kind: 'ticket', label, ticket, decision });
    requestId.current = newRequestId();
    addRecent({
      kind: 'check',
      label,
      what: locale === 'en' ? ticket.type.nameEn : ticket.type.nameZh,
      tone: decision.result === 'admit' ? 'ok' : 'bad',
      text: verdictText(decision),
    });
  };

  /** The gates' own decision for what was presented, without side effects. */
  const runCheck = async (presented: { code: string } | { idNumber: string }, label: string) => {
    if (!gate) return;
    setChecking(true);
    setOutcome(null);
    // An ID number is personal data: it leaves the input once read (the candidates keep it for the pick).
    if ('idNumber' in presented) setText('');
    // A group found takes the focus to its headcount field (GroupPanel), so the input must not take it back.
    let focusGroup = false;
    try {
      const groupCode = 'code' in presented ? normalizeGroupCode(presented.code) : null;
      if (groupCode) {
        const g = await client.frontDesk.checkGroup.query({ gateId: gate.id, groupCode, direction });
        setCandidates(null);
        if (g.found) {
          focusGroup = true;
          setView({ kind: 'group', label, group: g.group, n: ++seq.current });
          requestId.current = newRequestId();
          addRecent({
            kind: 'check',
            label,
            what: t('group.recentWhat', { booked: g.group.booked }),
            tone: g.group.admissibleNow > 0 ? 'ok' : 'bad',
            text: t('group.admissible', { count: g.group.admissibleNow }),
          });
        } else setView({ kind: 'notFound', label, reason: 'unknown', byId: false });
        return;
      }
      const r = await client.frontDesk.check.query({ gateId: gate.id, presented, direction });
      if (r.found) {
        if ('code' in presented) setCandidates((c) => (c?.list.some((x) => x.id === r.ticket.id) ? c : null));
        else setCandidates(null);
        showTicket(label, r.ticket, r.decision);
      } else if (r.reason === 'ambiguous' && 'idNumber' in presented && r.candidates?.length) {
        setCandidates({ idNumber: presented.idNumber, list: r.candidates });
        setPicked(0);
        setView(null);
      } else {
        setCandidates(null);
        const reason = r.reason === 'invalid' ? 'invalid' : 'unknown';
        setView({ kind: 'notFound', label, reason, byId: 'idNumber' in presented });
        addRecent({
          kind: 'check',
          label,
          what: '',
          tone: 'bad',
          text: 'idNumber' in presented ? t('notFound.unknownId') : t(`notFound.${reason}`),
        });
      }
    } catch (err) {
      setView({ kind: 'error', label, message: errorText.read(err) });
    } finally {
      setChecking(false);
      if (!focusGroup) focusInput();
    }
  };

  /** A candidate of an ID card: its code comes from its order (the check by ID alone cannot choose). */
  const checkCandidate = async (c: TCandidate, idNumber: string) => {
    setChecking(true);
    try {
      const orders = await client.frontDesk.search.query({ venueId: venue.id, q: idNumber });
      for (const o of orders) {
        const detail = await client.frontDesk.order.query({ orderId: o.id });
        const tk = detail.tickets.find((x) => x.id === c.id);
        if (tk) return await runCheck({ code: tk.code }, maskIdCard(idNumber));
      }
      setView({ kind: 'notFound', label: maskIdCard(idNumber), reason: 'unknown', byId: true });
    } catch (err) {
      setView({ kind: 'error', label: maskIdCard(idNumber), message: errorText.read(err) });
    } finally {
      setChecking(false);
      focusInput();
    }
  };

  const submitInput = () => {
    const raw = text.trim();
    if (candidates && (raw === '' || raw.toUpperCase() === candidates.idNumber)) {
      const c = candidates.list[picked];
      if (c) void checkCandidate(c, candidates.idNumber);
      return;
    }
    if (!raw) return;
    if (ID_LIKE.test(raw)) {
      const id = checkIdCard(raw);
      if (!id.ok) {
        setCandidates(null);
        setOutcome(null);
        setView({
          kind: 'error',
          label: maskIdCard(raw),
          message: t('idCardInvalid', { why: t(`idCardWhy.${id.reason}`) }),
        });
        focusInput();
        return;
      }
      void runCheck({ idNumber: id.normalized }, maskIdCard(id.normalized));
      return;
    }
    void runCheck({ code: raw }, raw);
  };

  const ticket = view?.kind === 'ticket' ? view : null;
  const canAdmit = !!ticket && !ticket.done && !!gate && !admitM.isPending;

  const resultOf = (ack: TAck, override: TOverride | undefined): TOutcome => {
    if ('error' in ack)
      return { tone: 'bad', text: t('result.failed', { message: ack.error.message }), testResult: 'error' };
    if (ack.result === 'admit')
      return {
        tone: 'ok',
        text: ack.supervisor
          ? t('result.admittedBy', { supervisor: ack.supervisor })
          : direction === 'in'
            ? t('result.admitted')
            : t('result.exited'),
        testResult: override ? 'override' : 'admit',
      };
    return { tone: 'bad', text: t('result.refused', { reason: reasonText(ack.reason) }), testResult: 'reject' };
  };

  const admit = async (override?: TOverride) => {
    if (!ticket || !gate) return;
    setOutcome(null);
    try {
      const ack = await admitM.mutateAsync({
        gateId: gate.id,
        ticketId: ticket.ticket.id,
        direction,
        requestId: requestId.current,
        ...(override ? { override } : {}),
      });
      // An answer (admitted or refused): the next attempt is a new one.
      if (!('error' in ack) || ack.error.code !== 'unavailable') requestId.current = newRequestId();
      const o = resultOf(ack, override);
      setOutcome(o);
      setOverrideOpen(false);
      setOverrideError(null);
      if ('result' in ack && ack.result === 'admit') {
        setView({ ...ticket, done: true });
        if (override) void queryClient.invalidateQueries({ queryKey: trpc.frontDesk.overrides.queryKey() });
      }
      if ('result' in ack && ack.result === 'reject') {
        // The rules refuse it now (it changed since the check): the override is the way on.
        setView({ ...ticket, decision: { result: 'reject', reason: ack.reason ?? 'unknown' } as TDecision });
      }
      addRecent({
        kind: override ? 'override' : 'admit',
        label: ticket.label,
        what: locale === 'en' ? ticket.ticket.type.nameEn : ticket.ticket.type.nameZh,
        tone: o.tone,
        text:
          override && 'reason' in override
            ? `${o.text} · ${t(`reasons.${override.reason as TOverrideReason}`)}`
            : o.text,
      });
      focusInput();
    } catch (err) {
      const code = appCodeOf(err);
      const msg =
        override && 'supervisor' in override && code === 'forbidden'
          ? t('result.supervisorRefused')
          : code === 'rate_limited'
            ? t('result.throttled', { minutes: Math.max(1, Math.ceil((retryAfterOf(err) ?? 900) / 60)) })
            : t('result.failed', { message: errorText.change(err) });
      if (override && overrideOpen) {
        setOverrideError(msg);
      } else {
        setOutcome({ tone: 'bad', text: msg, testResult: code ?? 'error' });
        focusInput();
      }
    }
  };

  /** A group's headcount let in (团体检票): never more than its unused tickets, as the gates decide. */
  const admitGroup = async (count: number) => {
    if (view?.kind !== 'group' || !gate) return;
    const shown = view;
    setOutcome(null);
    try {
      const ack = await groupM.mutateAsync({
        gateId: gate.id,
        groupCode: shown.group.code,
        count,
        direction,
        requestId: requestId.current,
      });
      if (!('error' in ack) || ack.error.code !== 'unavailable') requestId.current = newRequestId();
      let o: TOutcome;
      if ('error' in ack)
        o = { tone: 'bad', text: t('result.failed', { message: ack.error.message }), testResult: 'error' };
      else {
        const g = ack.group ?? { admitted: 0, requested: count, left: undefined };
        const left = g.left ?? Math.max(0, shown.group.left - g.admitted);
        const reason = reasonText(ack.reason);
        o = {
          tone: g.admitted > 0 ? 'ok' : 'bad',
          testResult: g.admitted > 0 ? 'admit' : 'reject',
          text:
            g.admitted === 0
              ? t('group.none', { reason })
              : direction === 'out'
                ? t('group.exited', { admitted: g.admitted })
                : g.admitted < g.requested
                  ? t('group.partly', { admitted: g.admitted, requested: g.requested, reason })
                  : t('group.admitted', { admitted: g.admitted, requested: g.requested, left }),
        };
        if (direction === 'in' && g.admitted)
          setView({
            ...shown,
            n: ++seq.current,
            group: {
              ...shown.group,
              arrived: shown.group.arrived + g.admitted,
              left,
              admissibleNow: Math.max(0, shown.group.admissibleNow - g.admitted),
            },
          });
      }
      setOutcome(o);
      addRecent({
        kind: 'group',
        label: shown.label,
        what: t('group.recentWhat', { booked: shown.group.booked }),
        tone: o.tone,
        text: o.text,
      });
    } catch (err) {
      setOutcome({
        tone: 'bad',
        text: t('result.failed', { message: errorText.change(err) }),
        testResult: appCodeOf(err) ?? 'error',
      });
    } finally {
      focusInput();
    }
  };

  /** F9 / Ctrl+Enter: admit when the gates would, else ask for a supervisor's override. */
  const admitOrOverride = () => {
    if (!canAdmit || overrideOpen) return;
    if (ticket.decision.result === 'admit') void admit();
    else {
      setOverrideError(null);
      setOverrideOpen(true);
    }
  };

  const hotkeyOpts = { enableOnFormTags: true, preventDefault: true } as const;
  useHotkeys(['f9', 'ctrl+enter'], admitOrOverride, hotkeyOpts, [admitOrOverride]);
  useHotkeys('alt+g', () => gateRef.current?.focus(), { ...hotkeyOpts, enabled: !overrideOpen });
  useHotkeys('alt+x', () => setDirection((d) => (d === 'in' ? 'out' : 'in')), {
    ...hotkeyOpts,
    enabled: !overrideOpen,
  });
  useHotkeys('esc', () => focusInput(), { ...hotkeyOpts, enabled: !overrideOpen }, [focusInput]);

  // A new direction or gate is a new question: the shown decision no longer holds.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on gate or direction change only
  useEffect(() => {
    setView((v) => (v?.kind === 'ticket' || v?.kind === 'group' ? null : v));
    setOutcome(null);
    requestId.current = newRequestId();
  }, [gateId, direction]);

  const onInputKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' && !e.ctrlKey) {
      e.preventDefault();
      submitInput();
    } else if (candidates && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      const n = candidates.list.length;
      setPicked((p) => (p + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
    }
  };

  const loading = gates.isPending ? 'loading' : gates.isError ? 'error' : 'loaded';
  const isManager = user.role === 'manager' || user.role === 'admin';

  return (
    <main className={`page ${styles.screen}`} data-testid="check-in-screen" data-loading-state={loading}>
      <div className={styles.main}>
        <section className={`panel ${styles.bar}`}>
          <label className={styles.gate}>
            <span>
              {t('gate')} <kbd>Alt+G</kbd>
            </span>
            <select
              ref={gateRef}
              data-testid="checkin-gate"
              value={gateId ?? ''}
              disabled={!gateList.length}
              onChange={(e) => {
                const id = Number(e.target.value);
                window.localStorage.setItem(`${GATE_KEY}-${venue.id}`, String(id));
                setGateId(id);
                const g = gateList.find((x) => x.id === id);
                if (g?.direction === 'in' || g?.direction === 'out') setDirection(g.direction);
              }}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  focusInput();
                }
              }}
            >
              {gateList.map((g) => (
                <option key={g.id} value={g.id}>
                  {gateName(g)}
                </option>
              ))}
            </select>
          </label>
          <fieldset className={styles.direction} data-testid="checkin-direction" data-direction={direction}>
            <legend>
              {t('direction')} <kbd>Alt+X</kbd>
            </legend>
            {(['in', 'out'] as const).map((d) => (
              <button
                key={d}
                type="button"
                tabIndex={-1}
                aria-pressed={direction === d}
                className={direction === d ? styles.dirOn : 'secondary'}
                onClick={() => {
                  setDirection(d);
                  focusInput();
                }}
                data-testid={`checkin-direction-${d}`}
              >
                {t(`dir.${d}`)}
              </button>
            ))}
          </fieldset>
        </section>
        {gates.isError ? (
          <p className="error" role="alert">
            {errorText.read(gates.error)}
          </p>
        ) : gates.data && !gates.data.length ? (
          <p className="panel" role="alert">
            {t('noGates')}
          </p>
        ) : null}

        <section className="panel">
          <label htmlFor="checkin-input" className={styles.inputLabel}>
            {t('input')} <kbd>Enter</kbd> <span className="muted">{t('inputHint')}</span>
          </label>
          <input
            id="checkin-input"
            ref={inputRef}
            className={styles.input}
            data-testid="checkin-input"
            autoComplete="off"
            spellCheck={false}
            value={text}
            disabled={!gate}
            aria-busy={checking}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={onInputKey}
          />
          {checking ? <p className="muted">{t('checking')}</p> : null}
        </section>

        {candidates ? (
          <section className={`panel ${styles.side}`} data-testid="checkin-candidates">
            <h2 className={styles.sideTitle}>
              {t('candidates')} <span className="muted">{t('candidatesHint')}</span>
            </h2>
            <ul className={styles.candidates} aria-label={t('candidates')}>
              {candidates.list.map((c, i) => (
                <li key={c.id}>
                  <button
                    type="button"
                    tabIndex={-1}
                    aria-current={i === picked}
                    className={i === picked ? styles.picked : undefined}
                    data-testid="checkin-candidate"
                    data-ticket-id={c.id}
                    onClick={() => {
                      setPicked(i);
                      void checkCandidate(c, candidates.idNumber);
                    }}
                  >
                    {i === picked ? '▶ ' : ''}
                    {locale === 'en' ? c.typeNameEn : c.typeNameZh} ({c.type}) · {c.date} · #{c.id}
                  </button>
                </li>
              ))}
            </ul>
          </section>
        ) : null}

        {outcome ? (
          <p
            className={`${styles.outcome} ${outcome.tone === 'ok' ? styles.ok : styles.bad}`}
            role="status"
            data-testid="checkin-outcome"
            data-result={outcome.testResult}
          >
            {outcome.text}
          </p>
        ) : null}

        {view?.kind === 'group' ? (
          <GroupPanel
            key={view.n}
            group={view.group}
            direction={direction}
            busy={groupM.isPending}
            onAdmit={(n) => void admitGroup(n)}
          />
        ) : view ? (
          <ResultPanel view={view} verdictText={verdictText}>
            {ticket && !ticket.done ? (
              <button
                type="button"
                tabIndex={-1}
                disabled={!canAdmit}
                className={ticket.decision.result === 'admit' ? styles.admitBtn : styles.overrideBtn}
                onClick={admitOrOverride}
                data-testid={ticket.decision.result === 'admit' ? 'checkin-admit' : 'checkin-override'}
              >
                {ticket.decision.result === 'admit' ? (direction === 'in' ? t('admit') : t('admitOut')) : t('override')}{' '}
                <kbd>F9</kbd> <kbd>Ctrl+Enter</kbd>
                {admitM.isPending ? ' …' : null}
              </button>
            ) : null}
          </ResultPanel>
        ) : null}

        <p className={`muted ${styles.keys}`} data-testid="checkin-keys">
          <kbd>Enter</kbd> {t('keys.enter')} · <kbd>F9</kbd> {t('keys.admit')} / {t('keys.override')} · <kbd>Alt+G</kbd>{' '}
          {t('keys.gate')} · <kbd>Alt+X</kbd> {t('keys.direction')} · <kbd>Esc</kbd> {t('keys.input')}
        </p>
      </div>

      <aside className={styles.aside}>
        <section className={`panel ${styles.side}`} data-testid="checkin-recent">
          <h2 className={styles.sideTitle}>{t('recent')}</h2>
          {!recent.length ? (
            <p className="muted">{t('recentEmpty')}</p>
          ) : (
            <ol className={styles.recent}>
              {recent.map((r) => (
                <li key={r.n} className={r.tone === 'ok' ? styles.ok : styles.bad} data-testid="checkin-recent-item">
                  <time className="muted">
                    {r.at.toLocaleTimeString(locale, { hour12: false, timeZone: venue.timeZone })}
                  </time>{' '}
                  <span className={styles.recentKind}>{t(`recentKinds.${r.kind}`)}</span> <code>{r.label}</code>{' '}
                  {r.what ? <span>{r.what}</span> : null} <strong>{r.text}</strong>
                </li>
              ))}
            </ol>
          )}
        </section>
        <OverridesReport venueId={venue.id} initiallyOpen={isManager} />
      </aside>

      {overrideOpen && ticket && gate ? (
        <OverrideDialog
          refusal={ticket.decision.result === 'reject' ? reasonText(ticket.decision.reason) : ''}
          target={{ gateId: gate.id, ticketId: ticket.ticket.id, direction }}
          busy={admitM.isPending}
          error={overrideError}
          onConfirm={(o) => void admit(o)}
          onCancel={() => {
            setOverrideOpen(false);
            setOverrideError(null);
            focusInput();
          }}
        />
      ) : null}
    </main>
  );
}

/** The ticket and the gates' decision, big enough to read from the other side of the desk. */
function ResultPanel({
  view,
  verdictText,
  children,
}: {
  view: TView;
  verdictText: (d: TDecision) => string;
  /** The admission button, beside the verdict. */
  children?: ReactNode;
}) {
  const t = useTranslations('fd.checkIn');
  const { locale } = useDesk();
  if (view.kind === 'error')
    return (
      <p className={`${styles.verdict} ${styles.bad}`} role="alert" data-testid="checkin-verdict" data-result="error">
        {view.message}
      </p>
    );
  if (view.kind === 'notFound')
    return (
      <p
        className={`${styles.verdict} ${styles.bad}`}
        role="alert"
        data-testid="checkin-verdict"
        data-result="notFound"
      >
        {view.byId ? t('notFound.unknownId') : t(`notFound.${view.reason}`)}
      </p>
    );
  if (view.kind === 'group') return null;
  const { ticket, decision } = view;
  return (
    <section className={`panel ${styles.ticket}`} data-testid="checkin-ticket" data-ticket-id={ticket.id}>
      {view.done ? null : (
        <div className={styles.verdictRow}>
          <p
            className={`${styles.verdict} ${decision.result === 'admit' ? styles.ok : styles.bad}`}
            role="status"
            data-testid="checkin-verdict"
            data-result={decision.result}
            data-reason={decision.result === 'reject' ? decision.reason : undefined}
          >
            {verdictText(decision)}
          </p>
          {children}
        </div>
      )}
      <dl className={styles.facts}>
        <div>
          <dt>{t('ticket.type')}</dt>
          <dd data-testid="checkin-ticket-type">{locale === 'en' ? ticket.type.nameEn : ticket.type.nameZh}</dd>
        </div>
        <div>
          <dt>{t('ticket.date')}</dt>
          <dd>
            {ticket.date}
            {ticket.validTo !== ticket.date ? (
              <span className="muted"> {t('ticket.validTo', { date: ticket.validTo })}</span>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>{t('ticket.slot')}</dt>
          <dd>{ticket.slot ? `${ticket.slot.start}–${ticket.slot.end ?? ''}` : t('ticket.noSlot')}</dd>
        </div>
        <div>
          <dt>{t('ticket.state')}</dt>
          <dd data-testid="checkin-ticket-state" data-state={ticket.state}>
            {t(`states.${ticket.state}`)}
            {ticket.entries ? (
              <span className="muted">
                {' '}
                · {t('ticket.entries')} {ticket.entries}
              </span>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>{t('ticket.holder')}</dt>
          <dd data-testid="checkin-ticket-holder">
            {ticket.holder ? `${maskName(ticket.holder.name)} ${ticket.holder.idNumber ?? ''}` : t('ticket.noHolder')}
          </dd>
        </div>
        <div>
          <dt>{t('ticket.order')}</dt>
          <dd data-testid="checkin-ticket-order">
            <OrderCode orderId={ticket.orderId} />
          </dd>
        </div>
        <div>
          <dt>{t('ticket.code')}</dt>
          <dd className={styles.code}>
            <code>{ticket.code}</code>
          </dd>
        </div>
      </dl>
    </section>
  );
}

function OrderCode({ orderId }: { orderId: number }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.frontDesk.order.queryOptions({ orderId }));
  return <>{q.data?.code ?? (q.isError ? `#${orderId}` : '…')}</>;
}

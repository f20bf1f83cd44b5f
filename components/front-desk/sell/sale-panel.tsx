'use client';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type KeyboardEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useHotkeys } from 'react-hotkeys-hook';
import { useTranslations } from 'use-intl';
import { maskIdCard } from '../../../lib/id-card.ts';
import { useDeskUpdates } from '../../../lib/live/use-desk-updates.ts';
import { PAYMENT_METHODS, type TPaymentMethod, ZWindowSale } from '../../../lib/schemas/front-desk.ts';
import { ZHolder } from '../../../lib/schemas/order.ts';
import { useTRPC } from '../../../lib/trpc/react.tsx';
import { useErrorText } from '../../outage-notice.tsx';
import { useDesk } from '../desk-shell.tsx';
import { yuanWithFen } from '../print/money.ts';
import type { TDeskOrder } from '../print/order-print.tsx';
import {
  addDays,
  cartShows,
  fenOf,
  fenOfYuan,
  hhmm,
  MAX_QTY,
  matchTypes,
  nextOpenSlot,
  parsePick,
  type TLine,
  type TPayRow,
  withHolders,
} from './sale-logic.ts';
import styles from './sell.module.css';

/**
 * Catalog refresh (ms) while the desk's socket says when places left change (other windows' and
 * channels' sales, capacity set on the controls): a slow backstop only.
 */
const CATALOG_FALLBACK_MS = 60_000;
/** Catalog refresh (ms) while the socket is down: places left are polled, and shown as possibly behind. */
const CATALOG_OFFLINE_MS = 15_000;

/** Alt+letter per payment method (Alt+digit switches browser tabs on Linux, so letters). */
const METHOD_KEYS: Record<TPaymentMethod, string> = {
  cash: 'c',
  wechat: 'w',
  alipay: 'a',
  card: 'k',
  unionpay: 'u',
  voucher: 'v',
};

/**
 * A sale's idempotency key, made once per sale. crypto.randomUUID exists only in secure contexts
 * (a desk on a LAN address over http is not one); getRandomValues exists everywhere.
 */
function newRef(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return `w-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}

interface TServerError {
  code?: string;
  message: string;
  fields?: Record<string, string[] | undefined>;
}

function serverErrorOf(err: unknown): TServerError {
  const e = err as { message?: string; data?: { appCode?: string; fields?: Record<string, string[]> } | null };
  return { code: e.data?.appCode, message: e.message ?? String(err), fields: e.data?.fields ?? undefined };
}

/** The sale being keyed in: type picker, date and slot, cart with holders, phone, payments, confirm. */
export function SalePanel({
  shiftId,
  businessDay,
  onSold,
}: {
  shiftId: number;
  businessDay: string;
  onSold: (order: TDeskOrder, change: number, replayed: boolean) => void;
}) {
  const t = useTranslations('fd.sell');
  const tm = useTranslations('fd.sell.print.methods');
  const tl = useTranslations('fd.approvals.live');
  const { locale, venue } = useDesk();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const money = yuanWithFen(locale);
  // The venue's business day, from the server: after midnight and before the daily reset it is
  // still yesterday's date, which is what the gates admit on.
  const today = businessDay;
  const [date, setDate] = useState(today);
  const [slot, setSlot] = useState<string | null>(null);
  const [slotChosen, setSlotChosen] = useState(false);
  const [show, setShow] = useState<string | null>(null);
  const [showChosen, setShowChosen] = useState(false);
  const [pick, setPick] = useState('');
  const [hi, setHi] = useState(0);
  const [lines, setLines] = useState<TLine[]>([]);
  const [lastCode, setLastCode] = useState<string | null>(null);
  const [phone, setPhone] = useState('');
  const [pays, setPays] = useState<TPayRow[]>([{ key: 1, method: 'cash', amount: '', tendered: '', reference: '' }]);
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [pickNote, setPickNote] = useState<string | null>(null);
  const [focusedId, setFocusedId] = useState<string | null>(null);
  // One ref per sale: a retry after an error or a double confirm reaches the same order.
  const [ref] = useState(newRef);
  const pickRef = useRef<HTMLInputElement>(null);
  const phoneRef = useRef<HTMLInputElement>(null);
  const payRefs = useRef(new Map<number, HTMLInputElement>());
  const holderRefs = useRef(new Map<string, HTMLInputElement>());
  const selectPickLater = useRef(false);

  // Places left follow sales and capacity changes as they happen (coalesced by the server).
  const link = useDeskUpdates(venue.id, {
    onCatalog: () => void queryClient.invalidateQueries({ queryKey: trpc.frontDesk.catalog.queryKey() }),
  });
  const isLive = link !== 'down';
  const catalog = useQuery({
    ...trpc.frontDesk.catalog.queryOptions({ shiftId, date }),
    refetchInterval: isLive ? CATALOG_FALLBACK_MS : CATALOG_OFFLINE_MS,
    placeholderData: keepPreviousData,
  });
  const cat = catalog.data?.date === date ? catalog.data : undefined;
  const types = catalog.data?.types ?? [];
  const byCode = useMemo(() => new Map(types.map((x) => [x.code, x])), [types]);
  const slots = cat?.slots ?? [];
  const { qty: pickQty, q: pickQ } = parsePick(pick);
  const matches = useMemo(() => matchTypes(types, pickQ), [types, pickQ]);
  const hiType = matches[Math.min(hi, matches.length - 1)];

  // The next slot with room, unless the cashier chose one that still exists.
  useEffect(() => {
    if (!cat) return;
    const cur = cat.slots.find((s) => hhmm(s.start) === slot);
    if (slotChosen && cur) return;
    if (cur && !cur.closed && cur.remaining > 0) return;
    setSlot(nextOpenSlot(cat.slots));
  }, [cat, slot, slotChosen]);

  // Types that include a show (演出场次): the show times of the date, picked like the slot.
  const { shows, seats: showSeats } = useMemo(
    () => (cat ? cartShows(lines, byCode) : { shows: [], seats: 0 }),
    [cat, lines, byCode],
  );
  useEffect(() => {
    const cur = shows.find((s) => s.start === show);
    if (showChosen && cur) return;
    if (cur && !cur.closed && cur.remaining > 0) return;
    setShow(nextOpenSlot(shows));
  }, [shows, show, showChosen]);

  useEffect(() => pickRef.current?.focus(), []);
  useEffect(() => {
    if (selectPickLater.current) {
      selectPickLater.current = false;
      pickRef.current?.select();
    }
  });

  const needsSlot = lines.some((l) => byCode.get(l.code)?.slotRequired);
  const totalFen = lines.reduce((n, l) => n + fenOfYuan(byCode.get(l.code)?.price ?? 0) * l.qty, 0);
  const lastIdx = pays.length - 1;
  const amounts = pays.map((p, i) => (i < lastIdx ? (fenOf(p.amount) ?? 0) : 0));
  amounts[lastIdx] = totalFen - amounts.slice(0, lastIdx).reduce((n, a) => n + a, 0);
  const changeFen = pays.reduce((n, p, i) => {
    if (p.method !== 'cash') return n;
    const tendered = fenOf(p.tendered);
    return tendered === null ? n : n + Math.max(0, tendered - amounts[i]);
  }, 0);
  const slotInfo = slots.find((s) => hhmm(s.start) === slot);
  const showInfo = shows.find((s) => s.start === show);
  const slotQty = lines.reduce((n, l) => n + (byCode.get(l.code)?.slotRequired ? l.qty : 0), 0);

  const changeLine = useCallback(
    (code: string, qty: number | ((q: number) => number)) => {
      setLines((ls) => {
        const i = ls.findIndex((l) => l.code === code);
        const base: TLine = i >= 0 ? ls[i] : { code, qty: 0, holders: [] };
        const n = Math.min(MAX_QTY, typeof qty === 'function' ? qty(base.qty) : qty);
        const next = ls.slice();
        if (n <= 0) {
          if (i >= 0) next.splice(i, 1);
          return next;
        }
        const line = withHolders({ ...base, qty: n }, !!byCode.get(code)?.realName);
        if (i >= 0) next[i] = line;
        else next.push(line);
        return next;
      });
      setLastCode(code);
      setIssues({});
    },
    [byCode],
  );

  const focusPay = useCallback(
    (key?: number) => {
      const k = key ?? pays[pays.length - 1].key;
      const el = payRefs.current.get(k);
      el?.focus();
      el?.select();
    },
    [pays],
  );

  const onPickKey = (e: KeyboardEvent<HTMLInputElement>) => {
    const el = e.currentTarget;
    const allSelected = el.selectionStart === 0 && el.selectionEnd === el.value.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const n = matches.length;
      if (n) setHi((h) => (Math.min(h, n - 1) + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
      return;
    }
    if ((e.key === '+' || e.key === '-') && lastCode && (allSelected || !el.value)) {
      e.preventDefault();
      changeLine(lastCode, (q) => q + (e.key === '+' ? 1 : -1));
      selectPickLater.current = true;
      return;
    }
    if (e.key === 'Tab' && !e.shiftKey && lines.length) {
      e.preventDefault();
      focusPay();
      return;
    }
    if (e.key !== 'Enter' || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    setPickNote(null);
    // Typed before the catalog came (a fast cashier on a fresh screen): done as soon as it is here.
    if (!catalog.data && pickQ) {
      pendingPick.current = true;
      setPickNote(t('loading'));
      return;
    }
    commitPick();
  };

  /** Enter in the picker: adds the highlighted type (or sets the last line's quantity, or goes to payment). */
  const commitPick = () => {
    if (!pickQ) {
      if (pickQty !== null && lastCode) {
        changeLine(lastCode, pickQty);
        setPick('');
      } else if (lines.length) focusPay();
      return;
    }
    if (!hiType) {
      setPickNote(t('picker.noMatch', { q: pickQ }));
      return;
    }
    changeLine(hiType.code, (q) => q + (pickQty ?? 1));
    setPick(pickQ);
    selectPickLater.current = true;
    if (hiType.realName) {
      // The holder fields of the new tickets come next: the ID reader types into the focused field.
      const line = lines.find((l) => l.code === hiType.code);
      const first = line ? line.holders.findIndex((h) => !h.name) : 0;
      const idx = first >= 0 ? first : (line?.qty ?? 0);
      requestAnimationFrame(() => holderRefs.current.get(`${hiType.code}.${idx}.name`)?.focus());
    }
  };

  const pendingPick = useRef(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs the Enter typed while the catalog was loading, once it is here
  useEffect(() => {
    if (!catalog.data || !pendingPick.current) return;
    pendingPick.current = false;
    setPickNote(null);
    commitPick();
  }, [catalog.data]);

  const moveDate = useCallback(
    (n: number) => {
      setDate((d) => {
        const next = addDays(d, n);
        return next.localeCompare(today) < 0 ? today : next;
      });
      setSlotChosen(false);
      setShowChosen(false);
    },
    [today],
  );
  const moveShow = useCallback(
    (n: number) => {
      const open = shows.filter((s) => !s.closed);
      if (!open.length) return;
      const i = open.findIndex((s) => s.start === show);
      const j = i < 0 ? 0 : Math.max(0, Math.min(open.length - 1, i + n));
      setShow(open[j].start);
      setShowChosen(true);
    },
    [shows, show],
  );
  const moveSlot = useCallback(
    (n: number) => {
      const open = slots.filter((s) => !s.closed);
      if (!open.length) return;
      const i = open.findIndex((s) => hhmm(s.start) === slot);
      const j = i < 0 ? 0 : Math.max(0, Math.min(open.length - 1, i + n));
      setSlot(hhmm(open[j].start));
      setSlotChosen(true);
    },
    [slots, slot],
  );

  const setMethod = useCallback(
    (method: TPaymentMethod) => {
      const k = pays[pays.length - 1].key;
      setPays((ps) => ps.map((p) => (p.key === k ? { ...p, method } : p)));
      requestAnimationFrame(() => focusPay(k));
    },
    [pays, focusPay],
  );
  const split = useCallback(() => {
    if (pays.length >= 6) return;
    const key = Math.max(...pays.map((p) => p.key)) + 1;
    const lastKey = pays[pays.length - 1].key;
    setPays((ps) => [
      ...ps.map((p, i) =>
        i === ps.length - 1 ? { ...p, amount: (Math.max(amounts[lastIdx], 0) / 100).toFixed(2) } : p,
      ),
      { key, method: 'wechat', amount: '', tendered: '', reference: '' },
    ]);
    requestAnimationFrame(() => {
      const el = payRefs.current.get(-lastKey);
      el?.focus();
      el?.select();
    });
  }, [pays, amounts, lastIdx]);
  const unsplit = useCallback(() => {
    if (pays.length > 1) setPays((ps) => ps.slice(0, -1));
  }, [pays.length]);

  const sell = useMutation(
    trpc.frontDesk.sell.mutationOptions({
      onSuccess: (r) => onSold(r.order, changeFen / 100, r.status === 200),
      onError: (err) => {
        const se = serverErrorOf(err);
        if (se.fields) {
          const next: Record<string, string> = {};
          for (const [k, v] of Object.entries(se.fields)) if (v?.length) next[k] = v.join('; ');
          setIssues(next);
        }
      },
    }),
  );

  // Set synchronously: a second F9 in the same frame must not send a second request.
  const inFlight = useRef(false);
  const confirm = useCallback(() => {
    if (sell.isPending || inFlight.current) return;
    const local: Record<string, string> = {};
    if (!lines.length) local._ = t('errors.emptyCart');
    if (needsSlot && !slot) local.slot = t('errors.noSlot');
    if (showSeats > 0 && !show) local.show = t('errors.noShow');
    const payload = {
      shiftId,
      ref,
      amount: totalFen / 100,
      items: lines.map((l) => {
        const ty = byCode.get(l.code);
        return {
          type: l.code,
          qty: l.qty,
          date,
          ...(ty?.slotRequired && slot ? { slot } : {}),
          ...(ty?.shows && show ? { show } : {}),
          ...(ty?.realName ? { holders: l.holders.map((h) => ({ name: h.name, idNumber: h.idNumber })) } : {}),
        };
      }),
      ...(phone.trim() ? { phone: phone.trim() } : {}),
      payments: pays.map((p, i) => {
        const tendered = p.method === 'cash' && p.tendered.trim() ? fenOf(p.tendered) : undefined;
        return {
          method: p.method,
          amount: amounts[i] / 100,
          ...(tendered === undefined ? {} : { tendered: tendered === null ? Number.NaN : tendered / 100 }),
          ...(p.method !== 'cash' && p.reference.trim() ? { reference: p.reference.trim() } : {}),
        };
      }),
    };
    const parsed = ZWindowSale.safeParse(payload);
    if (!parsed.success)
      for (const i of parsed.error.issues) {
        const k = i.path.map(String).join('.') || '_';
        local[k] ??= i.message;
      }
    setIssues(local);
    if (Object.keys(local).length || !parsed.success) return;
    inFlight.current = true;
    sell.mutate(parsed.data, {
      onSettled: () => {
        inFlight.current = false;
      },
    });
  }, [sell, lines, needsSlot, slot, showSeats, show, shiftId, ref, totalFen, byCode, date, phone, pays, amounts, t]);

  const hot = { enableOnFormTags: true, preventDefault: true } as const;
  useHotkeys(['f9', 'ctrl+enter', 'meta+enter'], confirm, hot, [confirm]);
  useHotkeys('pageup', () => moveDate(-1), hot, [moveDate]);
  useHotkeys('pagedown', () => moveDate(1), hot, [moveDate]);
  useHotkeys('alt+up', () => moveSlot(-1), hot, [moveSlot]);
  useHotkeys('alt+down', () => moveSlot(1), hot, [moveSlot]);
  useHotkeys('alt+shift+up', () => moveShow(-1), hot, [moveShow]);
  useHotkeys('alt+shift+down', () => moveShow(1), hot, [moveShow]);
  useHotkeys(
    PAYMENT_METHODS.map((m) => `alt+${METHOD_KEYS[m]}`),
    (e) => {
      const m = PAYMENT_METHODS.find((x) => `Key${METHOD_KEYS[x].toUpperCase()}` === e.code);
      if (m) setMethod(m);
    },
    hot,
    [setMethod],
  );
  useHotkeys('alt+s', split, hot, [split]);
  useHotkeys('alt+backspace', unsplit, hot, [unsplit]);
  useHotkeys('alt+t', () => phoneRef.current?.focus(), hot);
  useHotkeys(
    'escape',
    () => {
      if (document.activeElement !== pickRef.current) pickRef.current?.focus();
      else setPick('');
    },
    hot,
  );

  const issueText = (k: string, fallback?: string) => {
    const m = issues[k];
    if (!m) return null;
    return (
      <span className="error" role="alert" data-testid={`sell-issue-${k.replace(/\./g, '-')}`}>
        {fallback ?? m}
      </span>
    );
  };
  const serverError = sell.isError ? serverErrorOf(sell.error) : null;
  const serverText = (() => {
    if (!serverError) return null;
    const known = ['sold_out', 'rate_limited', 'invalid', 'conflict', 'forbidden', 'idempotency_mismatch'];
    if (serverError.code && known.includes(serverError.code))
      return `${t(`errors.server.${serverError.code}` as 'errors.server.invalid')} ${serverError.message}`;
    return errorText.change(sell.error);
  })();
  const dayKindText = cat ? t(`dayKind.${cat.dayKind}` as 'dayKind.weekday') : '';

  return (
    <div
      className={styles.sale}
      data-testid="sale-panel"
      data-catalog-state={catalog.isPending ? 'loading' : catalog.isError ? 'error' : 'loaded'}
      data-catalog-live={link}
      data-catalog-updated={catalog.dataUpdatedAt}
    >
      <section className={`panel ${styles.pickCol}`}>
        <div className={styles.dateRow}>
          <label className={styles.inlineLabel}>
            {t('date')}{' '}
            <input
              type="date"
              value={date}
              min={today}
              onChange={(e) => {
                if (e.target.value) {
                  setDate(e.target.value.localeCompare(today) < 0 ? today : e.target.value);
                  setSlotChosen(false);
                  setShowChosen(false);
                }
              }}
              data-testid="sell-date"
            />
          </label>
          <span className="muted">
            <kbd>PgUp</kbd>/<kbd>PgDn</kbd> {t('keys.day')}
          </span>
          {date === today ? <span className={styles.tag}>{t('today')}</span> : null}
          {dayKindText ? (
            <span className={styles.tag} data-testid="sell-day-kind">
              {dayKindText}
            </span>
          ) : null}
          {catalog.isFetching ? <span className="muted">…</span> : null}
        </div>
        {catalog.isError ? (
          <p className="error" role="alert" data-testid="sell-catalog-error">
            {errorText.read(catalog.error)}
          </p>
        ) : !isLive ? (
          <p className="muted" role="status" data-testid="sell-catalog-stale">
            {tl('catalogStale', { seconds: CATALOG_OFFLINE_MS / 1000 })}
          </p>
        ) : null}
        <div className={styles.slots} data-testid="sell-slots">
          <span className="muted">
            {t('slot')} <kbd>Alt+↑</kbd>/<kbd>Alt+↓</kbd>
          </span>
          {slots.length === 0 && cat ? <span className="muted">{t('noSlots')}</span> : null}
          {slots.map((s) => {
            const st = hhmm(s.start);
            return (
              <button
                key={s.start}
                type="button"
                tabIndex={-1}
                className={`${styles.slot} ${st === slot ? styles.slotOn : ''}`}
                disabled={s.closed}
                onClick={() => {
                  setSlot(st);
                  setSlotChosen(true);
                  pickRef.current?.focus();
                }}
                data-testid={`sell-slot-${st}`}
                data-selected={st === slot || undefined}
                data-remaining={s.remaining}
              >
                <strong>
                  {st}–{hhmm(s.end)}
                </strong>
                <span className={s.remaining === 0 ? styles.crit : s.remaining < 20 ? styles.warn : ''}>
                  {s.closed ? t('slotClosed') : t('left', { n: s.remaining })}
                </span>
              </button>
            );
          })}
          {cat?.remaining !== null && cat?.remaining !== undefined ? (
            <span className="muted" data-testid="sell-day-remaining">
              {t('dayLeft', { n: cat.remaining })}
            </span>
          ) : null}
        </div>
        {issueText('slot')}
        {shows.length ? (
          <div className={styles.slots} data-testid="sell-shows">
            <span className="muted">
              {t('show')} <kbd>Alt+Shift+↑</kbd>/<kbd>Alt+Shift+↓</kbd>
            </span>
            {shows.map((s) => (
              <button
                key={`${s.attraction}-${s.start}`}
                type="button"
                tabIndex={-1}
                className={`${styles.slot} ${s.start === show ? styles.slotOn : ''}`}
                disabled={s.closed}
                onClick={() => {
                  setShow(s.start);
                  setShowChosen(true);
                  pickRef.current?.focus();
                }}
                data-testid={`sell-show-${s.start}`}
                data-selected={s.start === show || undefined}
                data-remaining={s.remaining}
              >
                <strong>
                  {s.start}–{s.end}
                </strong>
                <span className={s.remaining === 0 ? styles.crit : s.remaining < 20 ? styles.warn : ''}>
                  {s.ended ? t('showEnded') : s.closed ? t('slotClosed') : t('seatsLeft', { n: s.remaining })}
                </span>
              </button>
            ))}
          </div>
        ) : null}
        {issueText('show')}
        <label className={styles.pickLabel} htmlFor="sell-pick">
          {t('picker.label')}
        </label>
        <input
          id="sell-pick"
          ref={pickRef}
          className={styles.pick}
          value={pick}
          onChange={(e) => {
            setPick(e.target.value);
            setHi(0);
            setPickNote(null);
          }}
          onKeyDown={onPickKey}
          placeholder={t('picker.placeholder')}
          autoComplete="off"
          spellCheck={false}
          role="combobox"
          aria-expanded="true"
          aria-controls="sell-types"
          aria-activedescendant={hiType ? `sell-type-${hiType.code}` : undefined}
          data-testid="sell-picker"
        />
        <p className={`muted ${styles.hint}`}>{t.rich('picker.hint', { k: (c) => <kbd>{c}</kbd> })}</p>
        {pickNote ? (
          <p className="error" role="alert" data-testid="sell-pick-note">
            {pickNote}
          </p>
        ) : null}
        <ul id="sell-types" className={styles.types} data-testid="sell-types">
          {catalog.isPending ? <li className="muted">{t('loading')}</li> : null}
          {cat && matches.length === 0 ? <li className="muted">{t('picker.noMatch', { q: pickQ })}</li> : null}
          {matches.map((x) => (
            <li
              key={x.code}
              id={`sell-type-${x.code}`}
              data-active={x === hiType || undefined}
              className={x === hiType ? styles.typeOn : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                changeLine(x.code, (q) => q + 1);
              }}
              data-testid={`sell-type-${x.code}`}
            >
              <span className={styles.typeName}>
                {locale === 'en' ? x.nameEn : x.nameZh}
                <span className="muted">
                  {' '}
                  {x.code} · {x.initials}
                </span>
                {x.realName ? <span className={styles.tag}>{t('realName')}</span> : null}
                {x.slotRequired ? null : <span className={styles.tag}>{t('anySlot')}</span>}
              </span>
              <span className={styles.price}>{money.format(x.price)}</span>
            </li>
          ))}
        </ul>
        <label className={styles.phone}>
          <span>
            {t('phone')} <kbd>Alt+T</kbd>
          </span>
          <input
            ref={phoneRef}
            value={phone}
            inputMode="tel"
            autoComplete="off"
            placeholder={t('phoneHint')}
            onChange={(e) => setPhone(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                focusPay();
              }
            }}
            data-testid="sell-phone"
          />
          {issueText('phone', t('errors.phone'))}
        </label>
      </section>

      <section className={`panel ${styles.cartCol}`} data-testid="sell-cart">
        <h2 className={styles.h}>{t('cart.title')}</h2>
        {lines.length === 0 ? <p className="muted">{t('cart.empty')}</p> : null}
        <table className={styles.cart}>
          <tbody>
            {lines.map((l, li) => {
              const ty = byCode.get(l.code);
              return (
                <tr
                  key={l.code}
                  data-testid={`sell-line-${l.code}`}
                  className={l.code === lastCode ? styles.lineOn : ''}
                >
                  <td>
                    <div>
                      {ty ? (locale === 'en' ? ty.nameEn : ty.nameZh) : l.code}
                      {!ty && cat ? <span className="error"> {t('cart.notSold')}</span> : null}
                    </div>
                    {issueText(`items.${li}`)}
                    {issueText(`items.${li}.holders`)}
                    {l.holders.map((h, hi2) => {
                      const nameKey = `${l.code}.${hi2}.name`;
                      const idKey = `${l.code}.${hi2}.id`;
                      const hv = ZHolder.safeParse(h);
                      const setH = (patch: Partial<typeof h>) =>
                        setLines((ls) =>
                          ls.map((x) =>
                            x.code === l.code
                              ? { ...x, holders: x.holders.map((y, j) => (j === hi2 ? { ...y, ...patch } : y)) }
                              : x,
                          ),
                        );
                      const nextField = () => {
                        const nx = holderRefs.current.get(`${l.code}.${hi2 + 1}.name`);
                        if (nx) nx.focus();
                        else pickRef.current?.focus();
                      };
                      return (
                        <div key={nameKey} className={styles.holder} data-testid={`sell-holder-${l.code}-${hi2}`}>
                          <span className="muted">{hi2 + 1}.</span>
                          <input
                            ref={(el) => {
                              if (el) holderRefs.current.set(nameKey, el);
                              else holderRefs.current.delete(nameKey);
                            }}
                            value={h.name}
                            placeholder={t('holder.name')}
                            aria-label={t('holder.name')}
                            autoComplete="off"
                            onChange={(e) => setH({ name: e.target.value })}
                            onKeyDown={(e) => {
                              if (e.key === 'Enter') {
                                e.preventDefault();
                                holderRefs.current.get(idKey)?.focus();
                              }
                            }}
                            data-testid="sell-holder-name"
                          />
                          <input
                            ref={(el) => {
                              if (el) holderRefs.current.set(idKey, el);
                              else holderRefs.current.delete(idKey);
                            }}
                            value={focusedId === idKey || !hv.success ? h.idNumber : maskIdCard(hv.data.idNumber)}
                            placeholder={t('holder.id')}
                            aria-label={t('holder.id')}
                            autoComplete="off"
                            spellCheck={false}
                            onFocus={() => setFocusedId(idKey)}
                            onBlur={() => setFocusedId(null)}
                            onChange={(e) => setH({ idNumber: e.target.value.toUpperCase() })}
                            onKeyDown={(e) => {
                              if (e.key === 'Enter') {
                                e.preventDefault();
                                nextField();
                              }
                            }}
                            aria-invalid={!!h.idNumber && !hv.success}
                            data-testid="sell-holder-id"
                          />
                          {h.idNumber && !hv.success && focusedId !== idKey ? (
                            <span className="error">{t('errors.holder')}</span>
                          ) : null}
                          {issueText(`items.${li}.holders.${hi2}.name`, t('errors.name'))}
                          {issueText(`items.${li}.holders.${hi2}.idNumber`, t('errors.idNumber'))}
                        </div>
                      );
                    })}
                  </td>
                  <td className={styles.qtyCell}>
                    <input
                      className={styles.qty}
                      inputMode="numeric"
                      value={l.qty}
                      aria-label={t('cart.qty')}
                      onFocus={(e) => e.currentTarget.select()}
                      onChange={(e) => {
                        // An emptied field keeps the count (typing replaces it, the field selects on focus); 0 removes the line.
                        const digits = e.target.value.replace(/\D/g, '');
                        if (digits) changeLine(l.code, Number(digits));
                      }}
                      onKeyDown={(e) => {
                        if (e.key === '+' || e.key === 'ArrowUp') {
                          e.preventDefault();
                          changeLine(l.code, (q) => q + 1);
                        } else if (e.key === '-' || e.key === 'ArrowDown') {
                          e.preventDefault();
                          changeLine(l.code, (q) => q - 1);
                        }
                      }}
                      data-testid={`sell-qty-${l.code}`}
                    />
                    <span className="muted"> × {money.format(ty?.price ?? 0)}</span>
                  </td>
                  <td className={styles.num}>{money.format(((ty?.price ?? 0) * 100 * l.qty) / 100)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {showInfo && showSeats > 0 ? (
          <p className={showSeats > showInfo.remaining ? 'error' : 'muted'} data-testid="sell-show-summary">
            {t('cart.show', { show: `${showInfo.start}–${showInfo.end}`, n: showSeats, left: showInfo.remaining })}
          </p>
        ) : null}
        {slotInfo && needsSlot ? (
          <p className={slotQty > slotInfo.remaining ? 'error' : 'muted'} data-testid="sell-slot-summary">
            {t('cart.slot', {
              slot: `${hhmm(slotInfo.start)}–${hhmm(slotInfo.end)}`,
              n: slotQty,
              left: slotInfo.remaining,
            })}
          </p>
        ) : null}
        <div className={styles.total}>
          <span>{t('cart.total')}</span>
          <span data-testid="sell-total" data-fen={totalFen}>
            {money.format(totalFen / 100)}
          </span>
        </div>
        {issueText('_')}
        {issueText('items')}
        {issueText('amount')}

        <div className={styles.pays} data-testid="sell-payments">
          <div className={styles.methods}>
            {PAYMENT_METHODS.map((m) => (
              <button
                key={m}
                type="button"
                tabIndex={-1}
                className={pays[lastIdx].method === m ? styles.methodOn : 'secondary'}
                onClick={() => setMethod(m)}
                data-testid={`sell-method-${m}`}
              >
                {tm(m)} <kbd>Alt+{METHOD_KEYS[m].toUpperCase()}</kbd>
              </button>
            ))}
          </div>
          {pays.map((p, i) => {
            const isLast = i === lastIdx;
            const tenderedFen = p.method === 'cash' ? fenOf(p.tendered) : null;
            return (
              <div key={p.key} className={styles.payRow} data-testid={`sell-payment-${i}`} data-method={p.method}>
                <span className={styles.payMethod}>{tm(p.method)}</span>
                {isLast ? (
                  <span className={styles.payAmount} data-testid={`sell-payment-amount-${i}`}>
                    {money.format(amounts[i] / 100)}
                  </span>
                ) : (
                  <input
                    ref={(el) => {
                      if (el) payRefs.current.set(-p.key, el);
                      else payRefs.current.delete(-p.key);
                    }}
                    className={styles.money}
                    inputMode="decimal"
                    value={p.amount}
                    aria-label={t('pay.amount')}
                    onChange={(e) =>
                      setPays((ps) => ps.map((x) => (x.key === p.key ? { ...x, amount: e.target.value } : x)))
                    }
                    onKeyDown={(e) => {
                      if (e.key === 'Enter') {
                        e.preventDefault();
                        focusPay(p.key);
                      }
                    }}
                    data-testid={`sell-payment-amount-${i}`}
                  />
                )}
                {p.method === 'cash' ? (
                  <label className={styles.inlineLabel}>
                    {t('pay.tendered')}{' '}
                    <input
                      ref={(el) => {
                        if (el) payRefs.current.set(p.key, el);
                        else payRefs.current.delete(p.key);
                      }}
                      className={styles.money}
                      inputMode="decimal"
                      value={p.tendered}
                      placeholder={(amounts[i] / 100).toFixed(2)}
                      onChange={(e) =>
                        setPays((ps) => ps.map((x) => (x.key === p.key ? { ...x, tendered: e.target.value } : x)))
                      }
                      onKeyDown={(e) => {
                        if (e.key === 'Enter' && !e.ctrlKey) {
                          e.preventDefault();
                          if (isLast) confirm();
                          else focusPay(pays[i + 1].key);
                        }
                      }}
                      aria-invalid={!!issues[`payments.${i}.tendered`]}
                      data-testid={`sell-tendered-${i}`}
                    />
                  </label>
                ) : (
                  <label className={styles.inlineLabel}>
                    {t('pay.reference')}{' '}
                    <input
                      ref={(el) => {
                        if (el) payRefs.current.set(p.key, el);
                        else payRefs.current.delete(p.key);
                      }}
                      className={styles.ref}
                      value={p.reference}
                      autoComplete="off"
                      spellCheck={false}
                      placeholder={t('pay.referenceHint')}
                      onChange={(e) =>
                        setPays((ps) => ps.map((x) => (x.key === p.key ? { ...x, reference: e.target.value } : x)))
                      }
                      onKeyDown={(e) => {
                        if (e.key === 'Enter' && !e.ctrlKey) {
                          e.preventDefault();
                          if (isLast) confirm();
                          else focusPay(pays[i + 1].key);
                        }
                      }}
                      aria-invalid={!!issues[`payments.${i}.reference`]}
                      data-testid={`sell-reference-${i}`}
                    />
                  </label>
                )}
                {tenderedFen !== null && tenderedFen < amounts[i] ? (
                  <span className="error">{t('errors.tendered')}</span>
                ) : null}
                {issueText(`payments.${i}.tendered`, t('errors.tendered'))}
                {issueText(`payments.${i}.reference`, t('errors.reference'))}
                {issueText(`payments.${i}.amount`, t('errors.amount'))}
              </div>
            );
          })}
          <p className="muted">{t.rich('pay.hint', { k: (c) => <kbd>{c}</kbd> })}</p>
          {issueText('payments', t('errors.paymentsSum'))}
        </div>

        {serverText ? (
          <p className="error" role="alert" data-testid="sell-error" data-code={serverError?.code}>
            {serverText}
          </p>
        ) : null}
        <div className={styles.finish}>
          <div className={styles.changeBox}>
            <span>{t('pay.change')}</span>
            <span className={styles.bigMoney} data-testid="sell-change" data-fen={changeFen}>
              {money.format(changeFen / 100)}
            </span>
          </div>
          <button
            type="button"
            className={styles.confirm}
            onClick={confirm}
            disabled={sell.isPending}
            data-testid="sell-confirm"
            data-pending={sell.isPending || undefined}
          >
            {sell.isPending ? t('confirming') : t('confirm', { total: money.format(totalFen / 100) })} <kbd>F9</kbd> /{' '}
            <kbd>Ctrl+Enter</kbd>
          </button>
        </div>
      </section>
    </div>
  );
}

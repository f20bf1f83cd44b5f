'use client';
import { useCallback, useRef, useState } from 'react';
import { useHotkeys } from 'react-hotkeys-hook';
import { useTranslations } from 'use-intl';
import { OrderDetail } from './order-detail.tsx';
import { OrderSearch } from './order-search.tsx';
import s from './orders.module.css';

/**
 * The order desk (订单查询, 退改签): one search box on the left, focused on load, that also takes a
 * scanner's ticket code; the opened order on the right with its tickets, scans, payments and
 * trail, and the after-sale actions. Esc always comes back to the search box, its text selected
 * so the next scan replaces it.
 */
export function OrdersScreen() {
  const t = useTranslations('fd.orders');
  const searchRef = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState<{ id: number; seq: number } | null>(null);
  const backToSearch = useCallback(() => {
    searchRef.current?.focus();
    searchRef.current?.select();
  }, []);
  // An open dialog has its own Esc (its cancel event): this one must not even prevent it.
  useHotkeys(
    'esc',
    backToSearch,
    { enableOnFormTags: true, preventDefault: true, ignoreEventWhen: () => !!document.querySelector('dialog[open]') },
    [backToSearch],
  );
  const onOpen = useCallback((id: number) => setOpen((o) => ({ id, seq: (o?.seq ?? 0) + 1 })), []);
  return (
    <main className={`page ${s.screen}`} data-testid="orders-screen">
      <h1 className={s.srOnly}>{t('title')}</h1>
      <section className={s.left}>
        <OrderSearch inputRef={searchRef} openOrderId={open?.id ?? null} onOpen={onOpen} />
      </section>
      <section className={s.right}>
        {open ? (
          <OrderDetail key={open.id} orderId={open.id} openSeq={open.seq} />
        ) : (
          <p className={`muted ${s.placeholder}`} data-testid="order-detail-empty">
            {t('detail.empty')}
          </p>
        )}
      </section>
    </main>
  );
}

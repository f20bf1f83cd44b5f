'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useLocale, useTranslations } from 'use-intl';
import { ABORTABLE, outageAware } from '../../lib/live/outage.ts';
import { useIsStale, type TQueryFreshness } from '../../lib/live/use-is-stale.ts';
import { ROLES, type TRole } from '../../lib/roles.ts';
import { useTRPC } from '../../lib/trpc/react.tsx';
import { StaleMark, useErrorText } from '../outage-notice.tsx';

type Tab = 'users' | 'gates' | 'channels' | 'audit';
const TABS: Tab[] = ['users', 'gates', 'channels', 'audit'];

/** Administration: users and roles, gate devices, sales channels and the audit log. */
export function AdminScreen({ selfId }: { selfId: number }) {
  const t = useTranslations('admin');
  const [tab, setTab] = useState<Tab>('users');
  return (
    <main className="page">
      <h1>{t('title')}</h1>
      <div className="tabs" role="tablist">
        {TABS.map((k) => (
          <button type="button" key={k} role="tab" aria-selected={tab === k} onClick={() => setTab(k)}>
            {t(`tabs.${k}`)}
          </button>
        ))}
      </div>
      {tab === 'users' && <Users selfId={selfId} />}
      {tab === 'gates' && <Gates />}
      {tab === 'channels' && <Channels />}
      {tab === 'audit' && <Audit />}
    </main>
  );
}

/**
 * What went wrong on a tab: a change that failed (saying whether anything was changed), else a
 * list that could not be loaded (retried by itself), else the mark over a list that is out of date.
 */
function ErrorLine({
  change,
  list,
}: {
  change: unknown;
  list: TQueryFreshness & { error: unknown; failureReason: unknown };
}) {
  const text = useErrorText();
  const stale = useIsStale(list);
  if (change)
    return (
      <p className="error" role="alert" data-testid="change-error">
        {text.change(change)}
      </p>
    );
  const failed = list.error ?? list.failureReason;
  if (list.data === undefined && failed)
    return (
      <p className={list.isError ? 'error' : 'muted'} role="alert">
        {text.read(failed)}
      </p>
    );
  return <StaleMark stale={stale} />;
}

function Users({ selfId }: { selfId: number }) {
  const t = useTranslations();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const users = useQuery(outageAware(trpc.admin.users.queryOptions(undefined, { trpc: ABORTABLE })));
  const venues = useQuery(outageAware(trpc.admin.venues.queryOptions(undefined, { trpc: ABORTABLE })));
  const invalidate = () => qc.invalidateQueries({ queryKey: trpc.admin.users.queryKey() });
  const create = useMutation(trpc.admin.createUser.mutationOptions({ onSuccess: invalidate }));
  const update = useMutation(trpc.admin.updateUser.mutationOptions({ onSuccess: invalidate }));
  const onCreate = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const venue = String(f.get('venue') ?? '');
    create.mutate({
      email: String(f.get('email')),
      name: String(f.get('name') ?? ''),
      role: String(f.get('role')) as TRole,
      password: String(f.get('password')),
      venues: venue ? [venue] : [],
    });
  };
  return (
    <section className="panel" data-loading-state={users.isPending ? 'loading' : users.isError ? 'error' : 'loaded'}>
      <form className="form-row" onSubmit={onCreate}>
        <label>
          {t('admin.email')}
          <input name="email" type="email" required />
        </label>
        <label>
          {t('admin.name')}
          <input name="name" />
        </label>
        <label>
          {t('admin.role')}
          <select name="role">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('admin.venues')}
          <select name="venue">
            <option value="">{t('admin.allVenues')}</option>
            {venues.data?.map((v) => (
              <option key={v.id} value={v.code}>
                {v.code}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('admin.password')}
          <input name="password" type="password" minLength={10} required />
        </label>
        <button type="submit" disabled={create.isPending}>
          {t('admin.createUser')}
        </button>
      </form>
      <ErrorLine change={create.error ?? update.error} list={users} />
      {users.isPending ? (
        <p className="muted">{t('common.loading')}</p>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th>{t('admin.email')}</th>
              <th>{t('admin.name')}</th>
              <th>{t('admin.role')}</th>
              <th>{t('admin.venues')}</th>
              <th>{t('cc.status')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.data?.map((u) => (
              <tr key={u.id}>
                <td>{u.email}</td>
                <td>{u.name}</td>
                <td>
                  <select
                    aria-label={`${t('admin.role')} ${u.email}`}
                    value={u.role}
                    disabled={u.id === selfId}
                    onChange={(e) => update.mutate({ id: u.id, role: e.target.value as TRole })}
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {t(`roles.${r}`)}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  {u.venues === 'all'
                    ? t('admin.allVenues')
                    : u.venues.map((id) => venues.data?.find((v) => v.id === id)?.code ?? id).join(', ')}
                </td>
                <td>{u.disabled ? t('admin.disabled') : t('admin.active')}</td>
                <td>
                  {u.id !== selfId && (
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => update.mutate({ id: u.id, disabled: !u.disabled })}
                    >
                      {u.disabled ? t('admin.enable') : t('admin.disable')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function useVenuePicker() {
  const trpc = useTRPC();
  const venues = useQuery(outageAware(trpc.admin.venues.queryOptions(undefined, { trpc: ABORTABLE })));
  const [venueId, setVenueId] = useState<number | undefined>();
  const current = venueId ?? venues.data?.[0]?.id;
  const picker = (venues.data?.length ?? 0) > 1 && (
    <select aria-label="venue" value={current} onChange={(e) => setVenueId(Number(e.target.value))}>
      {venues.data?.map((v) => (
        <option key={v.id} value={v.id}>
          {v.code}
        </option>
      ))}
    </select>
  );
  return { venueId: current, venueCode: venues.data?.find((v) => v.id === current)?.code, picker };
}

function TokenOnce({ token }: { token: string | undefined }) {
  const t = useTranslations('admin');
  if (!token) return null;
  return (
    <div className="notice" role="status" data-testid="new-token">
      {t('tokenOnce')}
      <code className="token">{token}</code>
    </div>
  );
}

function Gates() {
  const t = useTranslations();
  const locale = useLocale();
  const trpc = useTRPC();
  const { venueId, venueCode, picker } = useVenuePicker();
  const gates = useQuery(
    outageAware({
      ...trpc.admin.gates.queryOptions({ venueId: venueId ?? 0 }, { trpc: ABORTABLE }),
      enabled: !!venueId,
    }),
  );
  const [token, setToken] = useState<string>();
  const create = useMutation(
    trpc.admin.createDevice.mutationOptions({ onSuccess: (r) => setToken(`${r.gate}: ${r.token}`) }),
  );
  const revoke = useMutation(trpc.admin.revokeDevices.mutationOptions());
  return (
    <section className="panel" data-loading-state={gates.isPending ? 'loading' : 'loaded'}>
      {picker}
      <TokenOnce token={token} />
      <ErrorLine change={create.error ?? revoke.error} list={gates} />
      <table className="grid">
        <thead>
          <tr>
            <th>{t('cc.gate')}</th>
            <th>{t('cc.zone')}</th>
            <th>{t('cc.direction')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {gates.data?.map((g) => (
            <tr key={g.id}>
              <td>
                <strong>{g.code}</strong> <span className="muted">{locale === 'en' ? g.nameEn : g.nameZh}</span>
              </td>
              <td>{g.zoneCode}</td>
              <td>{t(`cc.dir.${g.direction}`)}</td>
              <td style={{ display: 'flex', gap: '0.5rem' }}>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => create.mutate({ gate: g.code, venue: venueCode })}
                >
                  {t('admin.newDevice')}
                </button>
                <button
                  type="button"
                  className="danger"
                  onClick={() =>
                    confirm(t('admin.revokeConfirm', { gate: g.code })) &&
                    revoke.mutate({ gate: g.code, venue: venueCode })
                  }
                >
                  {t('admin.revoke')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Channels() {
  const t = useTranslations();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { venueId, venueCode, picker } = useVenuePicker();
  const channels = useQuery(
    outageAware({
      ...trpc.admin.channels.queryOptions({ venueId: venueId ?? 0 }, { trpc: ABORTABLE }),
      enabled: !!venueId,
    }),
  );
  const [token, setToken] = useState<string>();
  const create = useMutation(
    trpc.admin.createChannel.mutationOptions({
      onSuccess: (r) => {
        setToken(r.token);
        void qc.invalidateQueries({ queryKey: trpc.admin.channels.queryKey() });
      },
    }),
  );
  const onCreate = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    create.mutate({
      code: String(f.get('code')),
      kind: String(f.get('kind')) as 'online',
      name: String(f.get('name') || '') || undefined,
      venue: venueCode,
    });
  };
  const kinds = ['online', 'ota', 'window', 'kiosk'] as const;
  return (
    <section className="panel" data-loading-state={channels.isPending ? 'loading' : 'loaded'}>
      {picker}
      <form className="form-row" onSubmit={onCreate}>
        <label>
          {t('admin.code')}
          <input name="code" required pattern="[A-Za-z0-9][A-Za-z0-9_-]{1,31}" />
        </label>
        <label>
          {t('admin.name')}
          <input name="name" />
        </label>
        <label>
          {t('admin.kind')}
          <select name="kind">
            {kinds.map((k) => (
              <option key={k} value={k}>
                {t(`admin.channelKind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={create.isPending}>
          {t('admin.createChannel')}
        </button>
      </form>
      <TokenOnce token={token} />
      <ErrorLine change={create.error} list={channels} />
      <table className="grid">
        <thead>
          <tr>
            <th>{t('admin.code')}</th>
            <th>{t('admin.name')}</th>
            <th>{t('admin.kind')}</th>
          </tr>
        </thead>
        <tbody>
          {channels.data?.map((c) => (
            <tr key={c.id}>
              <td>{c.code}</td>
              <td>{c.name}</td>
              <td>{t(`admin.channelKind.${c.kind}`)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Audit() {
  const t = useTranslations('admin');
  const trpc = useTRPC();
  const audit = useQuery(outageAware(trpc.admin.audit.queryOptions({ limit: 200 }, { trpc: ABORTABLE })));
  return (
    <section className="panel" data-loading-state={audit.isPending ? 'loading' : 'loaded'}>
      <ErrorLine change={null} list={audit} />
      {audit.data?.length === 0 && <p className="muted">{t('empty')}</p>}
      <table className="grid">
        <thead>
          <tr>
            <th>{t('at')}</th>
            <th>{t('actor')}</th>
            <th>{t('action')}</th>
            <th>{t('subject')}</th>
            <th>{t('change')}</th>
          </tr>
        </thead>
        <tbody>
          {audit.data?.map((a) => (
            <tr key={a.id}>
              <td>{new Date(a.at).toLocaleString()}</td>
              <td>{a.actor_label}</td>
              <td>{a.action}</td>
              <td>
                {a.subject_kind} {a.subject_id}
              </td>
              <td>
                <code>
                  {a.before ? JSON.stringify(a.before) : ''} → {a.after ? JSON.stringify(a.after) : ''}
                </code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

'use client';
import { useTranslations } from 'use-intl';
import {
  barShare,
  occupancy,
  occupancyLevel,
  occupancyText,
  type THotelBoard,
  type THotelRow,
  type TOccupancyLevel,
} from './hotel-data.ts';
import { numberFormat } from './venue-map-layers.ts';
import { type TBoardState, WallBoard } from './wall-board.tsx';

const BAR_COLOR: Record<TOccupancyLevel, string> = {
  idle: 'var(--line)',
  calm: 'var(--accent)',
  warn: 'var(--warn)',
  crit: 'var(--crit)',
};

/**
 * The venue's hotels on the wall, one block each: tonight's occupancy (rooms sold of the rooms
 * left to sell after out-of-order blocks, a bar and a percentage, red when blocks overbooked it),
 * and three figures the lodge's evening turns on: arrivals still expected, guests in house,
 * departures still to check out. Read from three metres: the percentage and the three figures are
 * the largest things in it. Refreshed with the attractions (every 15 s).
 */
export function HotelPanel({
  board,
  state,
  stale,
  error,
  locale,
}: {
  board: THotelBoard | undefined;
  state: TBoardState;
  /** The last refresh failed; the panel shows the previous answer. */
  stale: boolean;
  error?: string;
  locale: string;
}) {
  const t = useTranslations('cc.hotel');
  const nf = numberFormat(locale);
  const hotels = board?.hotels ?? [];
  // Hotels of one venue close their day together as a rule: the first one's date heads the panel.
  const date = hotels[0]?.businessDate.slice(5);
  return (
    <WallBoard
      testId="hotels"
      area="hotel"
      state={state}
      count={hotels.length}
      title={t('title')}
      subtitle={date ? t('subtitle', { date }) : undefined}
      stale={stale}
      words={{ stale: t('stale'), loading: t('loading'), error: t('error') }}
      error={error}
    >
      {hotels.length > 0 && (
        <ul
          className="scroll"
          style={{
            listStyle: 'none',
            margin: '0.3em 0 0',
            padding: 0,
            display: 'flex',
            flexDirection: 'column',
            gap: '0.7em',
          }}
        >
          {hotels.map((h) => (
            <HotelBlock key={h.id} h={h} name={locale === 'en' ? h.nameEn : h.nameZh} nf={nf} t={t} />
          ))}
        </ul>
      )}
    </WallBoard>
  );
}

/** One of the three figures: its words small above, the number large. */
function Figure({ name, label, value, sub }: { name: string; label: string; value: string; sub?: string }) {
  return (
    <div data-figure={name} style={{ minWidth: 0 }}>
      <div className="muted" style={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}>
        {label}
      </div>
      <div style={{ whiteSpace: 'nowrap' }}>
        <strong style={{ fontSize: '1.6em', lineHeight: 1.05, fontVariantNumeric: 'tabular-nums' }}>{value}</strong>
        {sub && (
          <span className="muted" style={{ marginLeft: '0.35em' }}>
            {sub}
          </span>
        )}
      </div>
    </div>
  );
}

function HotelBlock({
  h,
  name,
  nf,
  t,
}: {
  h: THotelRow;
  /** In the wall's language. */
  name: string;
  nf: Intl.NumberFormat;
  t: ReturnType<typeof useTranslations<'cc.hotel'>>;
}) {
  const level = occupancyLevel(h);
  const ratio = occupancy(h);
  return (
    <li
      data-hotel={h.code}
      data-sold={h.sold}
      data-available={h.available}
      data-overbooked={h.overbooked}
      data-arrivals={h.arrivals}
      data-in-house-guests={h.inHouseGuests}
      data-departures={h.departures}
      data-level={level}
      style={{ display: 'flex', flexDirection: 'column', gap: '0.25em' }}
    >
      <div style={{ display: 'flex', alignItems: 'baseline', gap: '0.8em', minWidth: 0 }}>
        <strong
          style={{
            fontSize: '1.15em',
            flex: '1 1 auto',
            minWidth: 0,
            overflow: 'hidden',
            textOverflow: 'ellipsis',
            whiteSpace: 'nowrap',
          }}
        >
          {name}
        </strong>
        <strong
          data-figure="occupancy"
          title={t('occupancy')}
          style={{
            fontSize: '1.6em',
            lineHeight: 1,
            fontVariantNumeric: 'tabular-nums',
            color: level === 'idle' ? 'var(--muted)' : BAR_COLOR[level],
          }}
        >
          {occupancyText(h)}
        </strong>
      </div>
      <div
        // The percentage above says the same in words.
        aria-hidden="true"
        style={{ height: '0.9em', background: 'var(--panel-2)', borderRadius: '3px', overflow: 'hidden' }}
      >
        <div
          style={{
            width: `${barShare(Number.isFinite(ratio) ? ratio : 1) * 100}%`,
            height: '100%',
            background: BAR_COLOR[level],
            transition: 'width 400ms ease-out',
          }}
        />
      </div>
      <div
        className="muted"
        style={{
          fontVariantNumeric: 'tabular-nums',
          whiteSpace: 'nowrap',
          overflow: 'hidden',
          textOverflow: 'ellipsis',
        }}
      >
        <span style={{ color: 'var(--text)' }}>
          {t('sold', { sold: nf.format(h.sold), available: nf.format(h.available) })}
        </span>
        {h.outOfOrder > 0 && <> · {t('outOfOrder', { n: h.outOfOrder })}</>}
        {h.overbooked > 0 && (
          <>
            {' · '}
            <strong style={{ color: 'var(--crit)' }}>{t('overbooked', { n: h.overbooked })}</strong>
          </>
        )}
      </div>
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(3, minmax(0, 1fr))', gap: '0.8em' }}>
        <Figure
          name="arrivals"
          label={t('arrivals')}
          value={nf.format(h.arrivals)}
          sub={t('guests', { n: h.arrivalGuests })}
        />
        <Figure
          name="in-house"
          label={t('inHouse')}
          value={nf.format(h.inHouseGuests)}
          sub={t('rooms', { n: h.inHouse })}
        />
        <Figure name="departures" label={t('departures')} value={nf.format(h.departures)} />
      </div>
    </li>
  );
}

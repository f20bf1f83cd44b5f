'use client';
import type { TGateStatus } from '../../lib/schemas/live.ts';

export interface TPlanZone {
  id: number;
  code: string;
  nameZh: string;
  nameEn: string;
  polygon: [number, number][];
  warnRatio: number;
  criticalRatio: number;
}

/** The venue plan drawing with zone outlines and gate markers coloured by health (no map tiles). */
/** Zone fill by occupancy ratio: calm below the warning line, amber above it, red past critical. */
function fillFor(ratio: number, warn: number, crit: number): string {
  if (ratio >= crit) return 'rgba(239,79,79,0.55)';
  if (ratio >= warn) return 'rgba(240,180,41,0.45)';
  return `rgba(47,182,201,${(0.08 + Math.min(ratio, 1) * 0.4).toFixed(2)})`;
}

export function VenuePlan({ plan, zones, gates, locale, occupancy }: { plan: { image: string; width: number; height: number }; zones: TPlanZone[]; gates: TGateStatus[]; locale: string; occupancy: Map<number, { count: number; capacity: number }> }) {
  return (
    <svg viewBox={`0 0 ${plan.width} ${plan.height}`} preserveAspectRatio="xMidYMid meet" role="img" aria-label="venue plan">
      {plan.image && <image href={plan.image} x={0} y={0} width={plan.width} height={plan.height} />}
      {zones.map((z) => {
        const occ = occupancy.get(z.id);
        const ratio = occ && occ.capacity > 0 ? occ.count / occ.capacity : 0;
        const [cx, cy] = centroid(z.polygon);
        return (
          <g key={z.id} data-zone={z.code} data-count={occ?.count ?? 0}>
            <polygon points={z.polygon.map((p) => p.join(',')).join(' ')} fill={fillFor(ratio, z.warnRatio, z.criticalRatio)} stroke="rgba(47,182,201,0.7)" strokeWidth={3} />
            <text x={cx} y={cy} fill="#e6eef5" fontSize={30} textAnchor="middle" style={{ paintOrder: 'stroke', stroke: '#0b1620', strokeWidth: 6 }}>
              {locale === 'en' ? z.nameEn : z.nameZh}
            </text>
            <text x={cx} y={cy + 34} fill="#e6eef5" fontSize={26} fontWeight={700} textAnchor="middle" style={{ paintOrder: 'stroke', stroke: '#0b1620', strokeWidth: 6 }}>
              {(occ?.count ?? 0).toLocaleString()} / {(occ?.capacity ?? 0).toLocaleString()}
            </text>
          </g>
        );
      })}
      {gates.map((g) => (
        <g key={g.id} data-gate={g.code} data-online={g.online ? '1' : '0'}>
          <circle cx={g.position[0]} cy={g.position[1]} r={14} fill={g.online ? '#35c77a' : '#ef4f4f'} stroke="#0b1620" strokeWidth={4} />
          <title>{`${g.code} ${locale === 'en' ? g.nameEn : g.nameZh}`}</title>
        </g>
      ))}
    </svg>
  );
}

function centroid(poly: [number, number][]): [number, number] {
  const n = poly.length || 1;
  return [poly.reduce((s, p) => s + p[0], 0) / n, poly.reduce((s, p) => s + p[1], 0) / n];
}

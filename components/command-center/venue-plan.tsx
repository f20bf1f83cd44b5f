'use client';
import type { TGateStatus } from '../../lib/schemas/live.ts';

export interface TPlanZone {
  id: number;
  code: string;
  nameZh: string;
  nameEn: string;
  polygon: [number, number][];
}

/** The venue plan drawing with zone outlines and gate markers coloured by health (no map tiles). */
export function VenuePlan({ plan, zones, gates, locale }: { plan: { image: string; width: number; height: number }; zones: TPlanZone[]; gates: TGateStatus[]; locale: string }) {
  return (
    <svg viewBox={`0 0 ${plan.width} ${plan.height}`} preserveAspectRatio="xMidYMid meet" role="img" aria-label="venue plan">
      {plan.image && <image href={plan.image} x={0} y={0} width={plan.width} height={plan.height} />}
      {zones.map((z) => (
        <g key={z.id}>
          <polygon points={z.polygon.map((p) => p.join(',')).join(' ')} fill="rgba(47,182,201,0.10)" stroke="rgba(47,182,201,0.7)" strokeWidth={3} />
          <text x={centroid(z.polygon)[0]} y={centroid(z.polygon)[1]} fill="#cfe3ee" fontSize={30} textAnchor="middle" style={{ paintOrder: 'stroke', stroke: '#0b1620', strokeWidth: 6 }}>
            {locale === 'en' ? z.nameEn : z.nameZh}
          </text>
        </g>
      ))}
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

/**
 * The demo venue's ticket catalogue: the kinds of tickets a Chinese mountain scenic area sells
 * (prices in fen). Zone codes refer to db/seed/demo-venue.ts.
 */
export interface DemoTicketType {
  code: string;
  nameZh: string;
  nameEn: string;
  category: 'adult' | 'child' | 'senior' | 'student' | 'family' | 'other';
  price: number;
  weekend?: number;
  holiday?: number;
  validity?: 'date' | 'range' | 'season';
  validDays?: number;
  season?: [string, string];
  entryPolicy?: 'single' | 'multi';
  antiPassback?: boolean;
  maxPerDay?: number;
  slot?: boolean;
  zones?: string[];
  bundle?: { type: string; qty: number }[];
  drawsDayQuota?: boolean;
  /** Real-name (实名制): every ticket names its holder. */
  realName?: boolean;
}

export const DEMO_TICKET_TYPES: DemoTicketType[] = [
  {
    code: 'ADULT',
    nameZh: '成人票',
    nameEn: 'Adult',
    category: 'adult',
    price: 19000,
    weekend: 22000,
    holiday: 25000,
    slot: true,
  },
  {
    code: 'CHILD',
    nameZh: '儿童票（1.2–1.5米）',
    nameEn: 'Child (1.2–1.5 m)',
    category: 'child',
    price: 9500,
    weekend: 11000,
    holiday: 12500,
    slot: true,
  },
  {
    code: 'SENIOR',
    nameZh: '老人票（60岁以上）',
    nameEn: 'Senior (60+)',
    category: 'senior',
    price: 9500,
    weekend: 11000,
    holiday: 12500,
    slot: true,
  },
  {
    code: 'STUDENT',
    nameZh: '学生票',
    nameEn: 'Student',
    category: 'student',
    price: 11500,
    weekend: 13000,
    holiday: 15000,
    slot: true,
  },
  {
    code: 'TWO-DAY',
    nameZh: '两日票',
    nameEn: 'Two-day pass',
    category: 'adult',
    price: 29000,
    weekend: 32000,
    holiday: 36000,
    validity: 'range',
    validDays: 2,
    entryPolicy: 'multi',
    antiPassback: true,
    maxPerDay: 2,
  },
  {
    code: 'ANNUAL',
    nameZh: '年卡',
    nameEn: 'Annual pass',
    category: 'adult',
    price: 68000,
    validity: 'season',
    season: ['2026-07-01', '2027-06-30'],
    entryPolicy: 'multi',
    antiPassback: true,
    maxPerDay: 3,
    realName: true,
  },
  {
    code: 'ROPEWAY',
    nameZh: '索道往返票',
    nameEn: 'Ropeway return',
    category: 'other',
    price: 12000,
    entryPolicy: 'multi',
    antiPassback: false,
    maxPerDay: 2,
    zones: ['ROPEWAY-LOWER', 'ROPEWAY-UPPER'],
    drawsDayQuota: false,
  },
  {
    code: 'COMBO',
    nameZh: '门票+索道套票',
    nameEn: 'Entry + ropeway combo',
    category: 'adult',
    price: 28000,
    weekend: 30000,
    holiday: 33000,
    bundle: [
      { type: 'ADULT', qty: 1 },
      { type: 'ROPEWAY', qty: 1 },
    ],
  },
];

/** Entry time slots (分时预约) and their daily capacity. */
export const DEMO_SLOTS: [string, string, number][] = [
  ['08:00', '10:00', 2500],
  ['10:00', '12:00', 2500],
  ['12:00', '14:00', 2000],
  ['14:00', '16:00', 1500],
  ['16:00', '17:30', 800],
];

/** Tickets sellable per visit date, across all types drawing on the day quota. */
export const DEMO_DAILY_QUOTA = 10_000;

export const DEMO_HOLIDAYS: [string, string, string][] = [
  ...['01', '02', '03', '04', '05', '06', '07'].map((d): [string, string, string] => [
    `2026-10-${d}`,
    '国庆节',
    'National Day',
  ]),
  ['2027-01-01', '元旦', "New Year's Day"],
  ...['05', '06', '07', '08', '09', '10', '11'].map((d): [string, string, string] => [
    `2027-02-${d}`,
    '春节',
    'Spring Festival',
  ]),
  ['2027-04-05', '清明节', 'Qingming Festival'],
  ...['01', '02', '03', '04', '05'].map((d): [string, string, string] => [`2027-05-${d}`, '劳动节', 'Labour Day']),
];

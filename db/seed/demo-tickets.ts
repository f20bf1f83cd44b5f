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
  /** False for an attraction-only ticket (no park entry); default true. */
  parkEntry?: boolean;
  /** Rides included (项目票), per attraction code: a number or null for unlimited; share of the price in fen. */
  rides?: { attraction: string; rides: number | null; share: number }[];
  /** A points card (点数卡): points in all. */
  points?: number;
  /** Time-of-day validity (夜场票), 'HH:MM'. */
  hours?: [string, string];
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
    // Attraction-only (for visitors who have their entry already): one ride up and one down.
    code: 'ROPEWAY',
    nameZh: '索道往返票',
    nameEn: 'Ropeway return',
    category: 'other',
    price: 12000,
    parkEntry: false,
    rides: [{ attraction: 'ROPEWAY', rides: 2, share: 12000 }],
    drawsDayQuota: false,
  },
  {
    // Park entry with a ropeway return on the same ticket: the ride carries the visitor up and down.
    code: 'COMBO',
    nameZh: '门票+索道套票',
    nameEn: 'Entry + ropeway combo',
    category: 'adult',
    price: 28000,
    weekend: 30000,
    holiday: 33000,
    slot: true,
    rides: [{ attraction: 'ROPEWAY', rides: 2, share: 9000 }],
  },
  {
    // A bundle (套票): sold as one line, one ticket per component.
    code: 'FAMILY',
    nameZh: '家庭套票（两大一小）',
    nameEn: 'Family bundle (2 adults + 1 child)',
    category: 'family',
    price: 45000,
    weekend: 51000,
    holiday: 57000,
    bundle: [
      { type: 'ADULT', qty: 2 },
      { type: 'CHILD', qty: 1 },
    ],
  },
  {
    code: 'SKI-DAY',
    nameZh: '滑雪日票（含入园）',
    nameEn: 'Ski day pass (with entry)',
    category: 'adult',
    price: 38000,
    weekend: 42000,
    holiday: 46000,
    entryPolicy: 'multi',
    antiPassback: true,
    maxPerDay: 2,
    rides: [
      { attraction: 'LIFT-A', rides: null, share: 12000 },
      { attraction: 'LIFT-B', rides: null, share: 8000 },
      { attraction: 'CARPET', rides: null, share: 2000 },
    ],
  },
  {
    code: 'SKI-10',
    nameZh: '高速吊椅十次卡（含入园）',
    nameEn: 'Express chairlift 10 rides (with entry)',
    category: 'adult',
    price: 26000,
    rides: [{ attraction: 'LIFT-A', rides: 10, share: 10000 }],
  },
  {
    code: 'POINTS',
    nameZh: '雪场点数卡100点（含入园）',
    nameEn: 'Ski points card, 100 points (with entry)',
    category: 'adult',
    price: 30000,
    points: 100,
  },
  {
    code: 'NIGHT',
    nameZh: '夜场票（17:00–22:00）',
    nameEn: 'Night session (17:00–22:00)',
    category: 'adult',
    price: 9000,
    hours: ['17:00', '22:00'],
  },
  {
    // Park entry with a seat at a show time of 《云岭印象》 (the order names the show time).
    code: 'SHOW',
    nameZh: '门票+《云岭印象》演出',
    nameEn: 'Entry + Yunling Impressions show',
    category: 'adult',
    price: 32000,
    weekend: 35000,
    holiday: 38000,
    rides: [{ attraction: 'SHOW', rides: 1, share: 14000 }],
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

/**
 * Demo venue: 云岭山景区 / Yunling Mountain Scenic Area (venue code YUNLING).
 *
 * A fictional but believable mountain scenic area used by the demo, the
 * simulator and tests. All geometry is in plan coordinates: the units of the
 * background image `public/venues/yunling/plan.svg` (viewBox 0 0 2000 1400),
 * x to the right and y DOWN, as in SVG. Zone polygons are drawn around the
 * matching terrain features of that image (the lake zone around the drawn
 * lake, the two ropeway stations at the ends of the dashed ropeway line, ...),
 * and every gate sits on the border of, or just inside, its zone polygon.
 *
 * Layout (south = bottom): the main gate plaza and visitor center lie in the
 * valley by the river; the ropeway climbs from its lower station to the upper
 * station below the summit; Heavenly Lake (天池) sits in a summit basin and
 * drains through the Waterfall Gorge (飞瀑峡谷) down to the valley; the
 * Welcoming Pine lookout is on the west slope, the ancient temple and the
 * lodge on the east slope above the east gate.
 */

export interface DemoZone {
  /** Upper-kebab, unique, e.g. 'MAIN-PLAZA'. */
  code: string;
  nameZh: string;
  nameEn: string;
  kind: 'plaza' | 'scenic' | 'ropeway' | 'hotel' | 'service';
  /** Maximum number of people in the zone at once. */
  capacity: number;
  /** Occupancy ratio at which the zone turns amber. */
  warnRatio: number;
  /** Occupancy ratio at which the zone turns red. */
  criticalRatio: number;
  /** Plan coordinates, closed implicitly. */
  polygon: [number, number][];
}

/** An attraction (项目): a ropeway, a ski lift, a magic carpet, with its gates (gates name it). */
export interface DemoAttraction {
  code: string;
  nameZh: string;
  nameEn: string;
  kind: 'ropeway' | 'lift' | 'carpet' | 'show' | 'ride';
  hourlyCapacity: number;
  opens: string;
  closes: string;
  /** Lift anti-passback (minutes); 0 where the stations differ (a ropeway's return ride). */
  rideGapMin: number;
  /** What a ride costs on the points card. */
  points: number;
  /** A show (演出): its show times every day, [starts, ends, seats], and its doors (minutes before). */
  shows?: [string, string, number][];
  doorsMin?: number;
}

export interface DemoGate {
  /** Unique, short (<= 8 chars), e.g. 'MG-01'. */
  code: string;
  nameZh: string;
  nameEn: string;
  /** The zone this gate leads INTO (for direction 'in'). */
  zoneCode: string;
  /**
   * What the gate is in the zone graph (docs/zone-graph.md): the venue's boundary, a passage
   * between zones, an attraction's boarding gate, or a checkpoint that moves nobody.
   */
  edge: 'perimeter' | 'transfer' | 'attraction' | 'checkpoint';
  /**
   * Where an `out` leads: the zone on the gate's other side (none: out of the venue). An attraction
   * gate stands in its zone and boards the attraction: the ride ends here, or at the far station.
   */
  otherZoneCode?: string;
  /** Attraction gates: the attraction they board. */
  attraction?: string;
  direction: 'in' | 'out' | 'both';
  kind: 'turnstile' | 'handheld';
  /** Plan coordinates, on or just inside the border of the zone polygon. */
  position: [number, number];
}

export interface DemoVenue {
  code: string;
  nameZh: string;
  nameEn: string;
  timezone: string;
  /** Whole-venue maximum capacity (最大承载量). */
  capacity: number;
  plan: { image: string; width: number; height: number };
  zones: DemoZone[];
  attractions: DemoAttraction[];
  gates: DemoGate[];
}

export const DEMO_VENUE: DemoVenue = {
  code: 'YUNLING',
  nameZh: '云岭山景区',
  nameEn: 'Yunling Mountain Scenic Area',
  timezone: 'Asia/Shanghai',
  capacity: 12000,
  plan: { image: '/venues/yunling/plan.svg', width: 2000, height: 1400 },

  zones: [
    {
      code: 'MAIN-PLAZA',
      nameZh: '南门入口广场',
      nameEn: 'Main Gate Plaza',
      kind: 'plaza',
      capacity: 3000,
      warnRatio: 0.8,
      criticalRatio: 0.95,
      polygon: [
        [640, 1172],
        [960, 1162],
        [992, 1240],
        [962, 1318],
        [660, 1328],
        [618, 1250],
      ],
    },
    {
      code: 'VISITOR-CENTER',
      nameZh: '游客服务中心',
      nameEn: 'Visitor Service Center',
      kind: 'service',
      capacity: 500,
      warnRatio: 0.8,
      criticalRatio: 0.95,
      polygon: [
        [1012, 1186],
        [1122, 1180],
        [1130, 1276],
        [1018, 1284],
      ],
    },
    {
      code: 'EAST-PLAZA',
      nameZh: '东门广场',
      nameEn: 'East Gate Plaza',
      kind: 'plaza',
      capacity: 1500,
      warnRatio: 0.8,
      criticalRatio: 0.95,
      polygon: [
        [1742, 802],
        [1898, 792],
        [1928, 892],
        [1890, 978],
        [1752, 982],
        [1720, 890],
      ],
    },
    {
      code: 'ROPEWAY-LOWER',
      nameZh: '索道下站',
      nameEn: 'Ropeway Lower Station',
      kind: 'ropeway',
      capacity: 600,
      warnRatio: 0.75,
      criticalRatio: 0.9,
      polygon: [
        [1152, 1012],
        [1288, 992],
        [1308, 1090],
        [1172, 1110],
      ],
    },
    {
      code: 'ROPEWAY-UPPER',
      nameZh: '索道上站',
      nameEn: 'Ropeway Upper Station',
      kind: 'ropeway',
      capacity: 500,
      warnRatio: 0.75,
      criticalRatio: 0.9,
      polygon: [
        [1252, 392],
        [1378, 376],
        [1394, 470],
        [1266, 486],
      ],
    },
    {
      code: 'TIANCHI',
      nameZh: '天池',
      nameEn: 'Heavenly Lake',
      kind: 'scenic',
      capacity: 1500,
      warnRatio: 0.8,
      criticalRatio: 0.95,
      polygon: [
        [640, 300],
        [692, 226],
        [820, 208],
        [950, 238],
        [992, 318],
        [952, 410],
        [822, 442],
        [682, 412],
      ],
    },
    {
      code: 'FEIPU-GORGE',
      nameZh: '飞瀑峡谷',
      nameEn: 'Waterfall Gorge',
      kind: 'scenic',
      capacity: 1200,
      warnRatio: 0.8,
      criticalRatio: 0.95,
      polygon: [
        [762, 518],
        [880, 500],
        [930, 640],
        [950, 820],
        [884, 902],
        [792, 882],
        [772, 722],
        [740, 602],
      ],
    },
    {
      code: 'YINGKESONG',
      nameZh: '迎客松观景台',
      nameEn: 'Welcoming Pine Lookout',
      kind: 'scenic',
      capacity: 800,
      warnRatio: 0.75,
      criticalRatio: 0.9,
      polygon: [
        [362, 662],
        [480, 620],
        [570, 680],
        [552, 780],
        [422, 802],
        [350, 742],
      ],
    },
    {
      code: 'YUNHAI',
      nameZh: '云海观景台',
      nameEn: 'Sea of Clouds Lookout',
      kind: 'scenic',
      capacity: 800,
      warnRatio: 0.75,
      criticalRatio: 0.9,
      polygon: [
        [1472, 172],
        [1600, 150],
        [1662, 230],
        [1602, 302],
        [1482, 292],
      ],
    },
    {
      code: 'GUSI-TEMPLE',
      nameZh: '云岭古寺',
      nameEn: 'Yunling Ancient Temple',
      kind: 'scenic',
      capacity: 1000,
      warnRatio: 0.8,
      criticalRatio: 0.95,
      polygon: [
        [1432, 592],
        [1580, 572],
        [1640, 660],
        [1590, 742],
        [1450, 742],
        [1410, 670],
      ],
    },
    {
      code: 'HOTEL',
      nameZh: '云岭山居酒店',
      nameEn: 'Yunling Mountain Lodge',
      kind: 'hotel',
      capacity: 400,
      warnRatio: 0.85,
      criticalRatio: 0.97,
      polygon: [
        [1502, 882],
        [1640, 870],
        [1660, 990],
        [1520, 1002],
      ],
    },
    {
      code: 'SKI-AREA',
      nameZh: '云顶滑雪场',
      nameEn: 'Summit Ski Area',
      kind: 'scenic',
      capacity: 900,
      warnRatio: 0.8,
      criticalRatio: 0.95,
      polygon: [
        [330, 170],
        [600, 150],
        [632, 262],
        [566, 336],
        [382, 336],
        [318, 262],
      ],
    },
  ],

  // The ropeway climbs from its lower station to the upper one (a ride is a transfer between the
  // two station zones); the ski area at the summit has two chairlifts and a magic carpet.
  attractions: [
    {
      code: 'ROPEWAY',
      nameZh: '云岭索道',
      nameEn: 'Yunling Ropeway',
      kind: 'ropeway',
      hourlyCapacity: 1200,
      opens: '08:00',
      closes: '17:30',
      rideGapMin: 0,
      points: 0,
    },
    {
      code: 'LIFT-A',
      nameZh: '云顶高速吊椅',
      nameEn: 'Summit express chairlift',
      kind: 'lift',
      hourlyCapacity: 1800,
      opens: '08:30',
      closes: '16:30',
      rideGapMin: 5,
      points: 10,
    },
    {
      code: 'LIFT-B',
      nameZh: '林间吊椅',
      nameEn: 'Forest chairlift',
      kind: 'lift',
      hourlyCapacity: 1200,
      opens: '08:30',
      closes: '16:30',
      rideGapMin: 5,
      points: 8,
    },
    {
      code: 'CARPET',
      nameZh: '初级道魔毯',
      nameEn: 'Beginner magic carpet',
      kind: 'carpet',
      hourlyCapacity: 600,
      opens: '08:30',
      closes: '16:30',
      rideGapMin: 0,
      points: 2,
    },
    {
      // An evening-and-afternoon show in the valley theatre: each show time is sold with its seats.
      code: 'SHOW',
      nameZh: '《云岭印象》',
      nameEn: 'Yunling Impressions',
      kind: 'show',
      // A full house comes through the doors in half an hour: twice the seats an hour.
      hourlyCapacity: 1200,
      opens: '13:00',
      closes: '21:00',
      rideGapMin: 0,
      points: 0,
      shows: [
        ['14:00', '15:10', 600],
        ['19:30', '20:40', 600],
      ],
      doorsMin: 30,
    },
  ],

  gates: [
    // Main gate: a row of turnstiles on the south edge of the plaza, facing
    // the car park and the bus drop-off.
    {
      code: 'MG-01',
      nameZh: '南门1号闸机',
      nameEn: 'Main Gate turnstile 1',
      zoneCode: 'MAIN-PLAZA',
      edge: 'perimeter',
      direction: 'in',
      kind: 'turnstile',
      position: [700, 1326],
    },
    {
      code: 'MG-02',
      nameZh: '南门2号闸机',
      nameEn: 'Main Gate turnstile 2',
      zoneCode: 'MAIN-PLAZA',
      edge: 'perimeter',
      direction: 'in',
      kind: 'turnstile',
      position: [730, 1325],
    },
    {
      code: 'MG-03',
      nameZh: '南门3号闸机',
      nameEn: 'Main Gate turnstile 3',
      zoneCode: 'MAIN-PLAZA',
      edge: 'perimeter',
      direction: 'in',
      kind: 'turnstile',
      position: [760, 1324],
    },
    {
      code: 'MG-04',
      nameZh: '南门4号闸机',
      nameEn: 'Main Gate turnstile 4',
      zoneCode: 'MAIN-PLAZA',
      edge: 'perimeter',
      direction: 'in',
      kind: 'turnstile',
      position: [790, 1323],
    },
    {
      code: 'MG-05',
      nameZh: '南门5号闸机',
      nameEn: 'Main Gate turnstile 5',
      zoneCode: 'MAIN-PLAZA',
      edge: 'perimeter',
      direction: 'in',
      kind: 'turnstile',
      position: [820, 1322],
    },
    {
      code: 'MG-06',
      nameZh: '南门6号出口闸机',
      nameEn: 'Main Gate exit turnstile 6',
      zoneCode: 'MAIN-PLAZA',
      edge: 'perimeter',
      direction: 'out',
      kind: 'turnstile',
      position: [870, 1321],
    },
    {
      code: 'MG-07',
      nameZh: '南门7号出口闸机',
      nameEn: 'Main Gate exit turnstile 7',
      zoneCode: 'MAIN-PLAZA',
      edge: 'perimeter',
      direction: 'out',
      kind: 'turnstile',
      position: [900, 1320],
    },
    {
      code: 'MG-08',
      nameZh: '南门团队/无障碍通道',
      nameEn: 'Main Gate group & accessible lane',
      zoneCode: 'MAIN-PLAZA',
      edge: 'perimeter',
      direction: 'both',
      kind: 'handheld',
      position: [935, 1319],
    },

    // East gate: turnstiles on the east edge, where the county road arrives.
    {
      code: 'EG-01',
      nameZh: '东门1号闸机',
      nameEn: 'East Gate turnstile 1',
      zoneCode: 'EAST-PLAZA',
      edge: 'perimeter',
      direction: 'in',
      kind: 'turnstile',
      position: [1918, 858],
    },
    {
      code: 'EG-02',
      nameZh: '东门2号闸机',
      nameEn: 'East Gate turnstile 2',
      zoneCode: 'EAST-PLAZA',
      edge: 'perimeter',
      direction: 'in',
      kind: 'turnstile',
      position: [1925, 882],
    },
    {
      code: 'EG-03',
      nameZh: '东门3号出口闸机',
      nameEn: 'East Gate exit turnstile 3',
      zoneCode: 'EAST-PLAZA',
      edge: 'perimeter',
      direction: 'out',
      kind: 'turnstile',
      position: [1922, 906],
    },
    {
      code: 'EG-04',
      nameZh: '东门团队通道',
      nameEn: 'East Gate group lane',
      zoneCode: 'EAST-PLAZA',
      edge: 'perimeter',
      direction: 'both',
      kind: 'handheld',
      position: [1912, 928],
    },

    // Ropeway lower station: boarding turnstiles on the west side (trail from
    // the main plaza), arrivals exit on the south side (shuttle road).
    {
      code: 'RL-01',
      nameZh: '索道下站1号检票闸机',
      nameEn: 'Ropeway lower boarding turnstile 1',
      zoneCode: 'ROPEWAY-LOWER',
      edge: 'attraction',
      otherZoneCode: 'ROPEWAY-UPPER',
      attraction: 'ROPEWAY',
      direction: 'in',
      kind: 'turnstile',
      position: [1160, 1044],
    },
    {
      code: 'RL-02',
      nameZh: '索道下站2号检票闸机',
      nameEn: 'Ropeway lower boarding turnstile 2',
      zoneCode: 'ROPEWAY-LOWER',
      edge: 'attraction',
      otherZoneCode: 'ROPEWAY-UPPER',
      attraction: 'ROPEWAY',
      direction: 'in',
      kind: 'turnstile',
      position: [1166, 1070],
    },
    {
      code: 'RL-03',
      nameZh: '索道下站出站闸机',
      nameEn: 'Ropeway lower exit turnstile',
      zoneCode: 'ROPEWAY-LOWER',
      edge: 'transfer',
      otherZoneCode: 'MAIN-PLAZA',
      direction: 'out',
      kind: 'turnstile',
      position: [1240, 1100],
    },

    // Ropeway upper station: boarding for the descent on the south-east side,
    // arrivals exit towards the summit trails on the north side.
    {
      code: 'RU-01',
      nameZh: '索道上站1号检票闸机',
      nameEn: 'Ropeway upper boarding turnstile 1',
      zoneCode: 'ROPEWAY-UPPER',
      edge: 'attraction',
      otherZoneCode: 'ROPEWAY-LOWER',
      attraction: 'ROPEWAY',
      direction: 'in',
      kind: 'turnstile',
      position: [1388, 430],
    },
    {
      code: 'RU-02',
      nameZh: '索道上站2号检票闸机',
      nameEn: 'Ropeway upper boarding turnstile 2',
      zoneCode: 'ROPEWAY-UPPER',
      edge: 'attraction',
      otherZoneCode: 'ROPEWAY-LOWER',
      attraction: 'ROPEWAY',
      direction: 'in',
      kind: 'turnstile',
      position: [1391, 452],
    },
    {
      code: 'RU-03',
      nameZh: '索道上站出站闸机',
      nameEn: 'Ropeway upper exit turnstile',
      zoneCode: 'ROPEWAY-UPPER',
      edge: 'transfer',
      otherZoneCode: 'TIANCHI',
      direction: 'out',
      kind: 'turnstile',
      position: [1300, 388],
    },

    // Hotel.
    {
      code: 'HT-01',
      nameZh: '酒店大堂核验点',
      nameEn: 'Lodge lobby check point',
      zoneCode: 'HOTEL',
      edge: 'perimeter',
      direction: 'both',
      kind: 'handheld',
      position: [1590, 998],
    },
    {
      code: 'HT-02',
      nameZh: '酒店景区通道闸机',
      nameEn: 'Lodge park-side turnstile',
      zoneCode: 'HOTEL',
      edge: 'transfer',
      otherZoneCode: 'EAST-PLAZA',
      direction: 'both',
      kind: 'turnstile',
      position: [1560, 878],
    },

    // Visitor center: a people counter at the door facing the plaza.
    {
      code: 'VC-01',
      nameZh: '游客中心入口',
      nameEn: 'Visitor Center entrance',
      zoneCode: 'VISITOR-CENTER',
      edge: 'transfer',
      otherZoneCode: 'MAIN-PLAZA',
      direction: 'both',
      kind: 'handheld',
      position: [1015, 1236],
    },

    // Scenic-zone entry points.
    {
      code: 'FP-01',
      nameZh: '峡谷入口闸机',
      nameEn: 'Gorge entrance turnstile',
      zoneCode: 'FEIPU-GORGE',
      edge: 'transfer',
      otherZoneCode: 'MAIN-PLAZA',
      direction: 'in',
      kind: 'turnstile',
      position: [842, 894],
    },
    {
      code: 'FP-02',
      nameZh: '峡谷出口闸机',
      nameEn: 'Gorge exit turnstile',
      zoneCode: 'FEIPU-GORGE',
      edge: 'transfer',
      otherZoneCode: 'MAIN-PLAZA',
      direction: 'out',
      kind: 'turnstile',
      position: [866, 898],
    },
    {
      code: 'TC-01',
      nameZh: '天池检票点',
      nameEn: 'Heavenly Lake ticket check',
      zoneCode: 'TIANCHI',
      edge: 'transfer',
      otherZoneCode: 'ROPEWAY-UPPER',
      direction: 'in',
      kind: 'handheld',
      position: [822, 440],
    },
    {
      code: 'YKS-01',
      nameZh: '迎客松检票点',
      nameEn: 'Welcoming Pine ticket check',
      zoneCode: 'YINGKESONG',
      edge: 'transfer',
      otherZoneCode: 'MAIN-PLAZA',
      direction: 'both',
      kind: 'handheld',
      position: [540, 770],
    },
    {
      code: 'YH-01',
      nameZh: '云海观景台检票点',
      nameEn: 'Sea of Clouds ticket check',
      zoneCode: 'YUNHAI',
      edge: 'transfer',
      otherZoneCode: 'ROPEWAY-UPPER',
      direction: 'in',
      kind: 'handheld',
      position: [1486, 286],
    },
    {
      code: 'GS-01',
      nameZh: '古寺山门检票点',
      nameEn: 'Temple gate ticket check',
      zoneCode: 'GUSI-TEMPLE',
      edge: 'checkpoint',
      direction: 'in',
      kind: 'handheld',
      position: [1440, 600],
    },

    // Summit ski area: the trail from Heavenly Lake, two chairlifts and a magic carpet.
    {
      code: 'SK-01',
      nameZh: '滑雪场入口',
      nameEn: 'Ski area entrance',
      zoneCode: 'SKI-AREA',
      edge: 'transfer',
      otherZoneCode: 'TIANCHI',
      direction: 'both',
      kind: 'handheld',
      position: [626, 262],
    },
    {
      code: 'LA-01',
      nameZh: '高速吊椅检票闸机',
      nameEn: 'Express chairlift turnstile',
      zoneCode: 'SKI-AREA',
      edge: 'attraction',
      attraction: 'LIFT-A',
      direction: 'in',
      kind: 'turnstile',
      position: [410, 322],
    },
    {
      code: 'LB-01',
      nameZh: '林间吊椅检票闸机',
      nameEn: 'Forest chairlift turnstile',
      zoneCode: 'SKI-AREA',
      edge: 'attraction',
      attraction: 'LIFT-B',
      direction: 'in',
      kind: 'turnstile',
      position: [520, 326],
    },
    {
      code: 'LC-01',
      nameZh: '魔毯检票点',
      nameEn: 'Magic carpet check',
      zoneCode: 'SKI-AREA',
      edge: 'attraction',
      attraction: 'CARPET',
      direction: 'in',
      kind: 'handheld',
      position: [346, 250],
    },

    // The valley theatre of the show, on the west side of the main gate plaza.
    {
      code: 'SH-01',
      nameZh: '《云岭印象》剧场检票口',
      nameEn: 'Yunling Impressions theatre entrance',
      zoneCode: 'MAIN-PLAZA',
      edge: 'attraction',
      attraction: 'SHOW',
      direction: 'in',
      kind: 'handheld',
      position: [636, 1250],
    },
  ],
};

/** True when point p lies inside polygon poly (ray casting). */
export function pointInPolygon(p: [number, number], poly: [number, number][]): boolean {
  const [x, y] = p;
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) {
      inside = !inside;
    }
  }
  return inside;
}

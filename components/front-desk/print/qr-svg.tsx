import QRCode from 'qrcode';
import { useMemo } from 'react';

/** Quiet zone around the symbol, in modules (the QR standard asks for 4; receipt paper is white anyway). */
const QUIET_MODULES = 2;

/**
 * A QR code drawn as one SVG path, built synchronously (QRCode.create) so it is on the page before
 * printNow() opens the dialog: an async toString could still be pending when the print is taken.
 */
export function QrSvg({ text, sizeMm, testId }: { text: string; sizeMm: number; testId?: string }) {
  const { d, n } = useMemo(() => {
    const m = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules;
    let path = '';
    for (let r = 0; r < m.size; r++)
      for (let c = 0; c < m.size; c++) if (m.get(r, c)) path += `M${c + QUIET_MODULES} ${r + QUIET_MODULES}h1v1h-1z`;
    return { d: path, n: m.size + 2 * QUIET_MODULES };
  }, [text]);
  return (
    <svg
      viewBox={`0 0 ${n} ${n}`}
      width={`${sizeMm}mm`}
      height={`${sizeMm}mm`}
      shapeRendering="crispEdges"
      role="img"
      aria-label={text}
      data-testid={testId}
      data-code={text}
    >
      <rect width={n} height={n} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}

'use client';
import { type ReactNode, useEffect, useState } from 'react';
import { createPortal } from 'react-dom';

/** The paper a print view is laid out for: the receipt printer's 80 mm roll, or an office A4 sheet. */
export type TPaper = '80mm' | 'a4';

/**
 * What the desk prints: rendered into the page (no pop-up window) and shown only by the print
 * stylesheet (app/globals.css, `.print-root`), on the paper's named @page. On screen it is hidden,
 * unless `preview` shows it in place.
 */
export function PrintPortal({
  paper,
  children,
  preview = false,
}: {
  paper: TPaper;
  children: ReactNode;
  preview?: boolean;
}) {
  const [host, setHost] = useState<HTMLElement | null>(null);
  useEffect(() => setHost(document.body), []);
  const sheet = (
    <div
      className={`print-root print-${paper}${preview ? ' print-preview' : ''}`}
      data-testid="print-root"
      data-paper={paper}
    >
      {children}
    </div>
  );
  if (preview) return sheet;
  return host ? createPortal(sheet, host) : null;
}

/** Opens the browser's print dialog once React has drawn the print view. */
export function printNow(): void {
  requestAnimationFrame(() => requestAnimationFrame(() => window.print()));
}

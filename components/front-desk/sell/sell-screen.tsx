'use client';
import { useDesk } from '../desk-shell.tsx';

export function SellScreen() {
  const { venue } = useDesk();
  return (
    <main className="page" data-testid="sell-screen">
      {venue.code}
    </main>
  );
}

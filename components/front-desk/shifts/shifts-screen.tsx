'use client';
import { useDesk } from '../desk-shell.tsx';

export function ShiftsScreen() {
  const { venue } = useDesk();
  return (
    <main className="page" data-testid="shifts-screen">
      {venue.code}
    </main>
  );
}

'use client';
import { useDesk } from '../desk-shell.tsx';

export function CheckInScreen() {
  const { venue } = useDesk();
  return (
    <main className="page" data-testid="check-in-screen">
      {venue.code}
    </main>
  );
}

'use client';
import { useDesk } from '../desk-shell.tsx';

export function OrdersScreen() {
  const { venue } = useDesk();
  return (
    <main className="page" data-testid="orders-screen">
      {venue.code}
    </main>
  );
}

import { NightAuditScreen } from '../../../components/hotel/night-audit-screen.tsx';
import { HotelPage } from '../hotel-page.tsx';

export default function Page() {
  return (
    <HotelPage path="/hotel/night-audit">
      <NightAuditScreen />
    </HotelPage>
  );
}

import { TodayScreen } from '../../components/hotel/today-screen.tsx';
import { HotelPage } from './hotel-page.tsx';

export default function Page() {
  return (
    <HotelPage path="/hotel">
      <TodayScreen />
    </HotelPage>
  );
}

import { RoomsPage } from '../../components/hotel/rack/rooms-page.tsx';
import { HousekeepingScreen } from '../../components/housekeeping/housekeeping-screen.tsx';

export default function Page() {
  return <RoomsPage path="/housekeeping" screen={(p) => <HousekeepingScreen {...p} />} />;
}

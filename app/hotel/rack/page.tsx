import { RackScreen } from '../../../components/hotel/rack/rack-screen.tsx';
import { RoomsPage } from '../../../components/hotel/rack/rooms-page.tsx';

export default function Page() {
  return <RoomsPage path="/hotel/rack" screen={(p) => <RackScreen {...p} />} />;
}

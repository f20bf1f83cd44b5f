import { RackScreen } from '../../../components/hotel/rack/rack-screen.tsx';
import { AreaPage } from '../../area-page.tsx';

export default function Page() {
  return <AreaPage path="/hotel/rack">{(p) => <RackScreen venues={p.venues} locale={p.locale} />}</AreaPage>;
}

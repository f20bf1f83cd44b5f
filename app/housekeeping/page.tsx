import { HousekeepingScreen } from '../../components/housekeeping/housekeeping-screen.tsx';
import { AreaPage } from '../area-page.tsx';

export default function Page() {
  return <AreaPage path="/housekeeping">{(p) => <HousekeepingScreen venues={p.venues} locale={p.locale} />}</AreaPage>;
}

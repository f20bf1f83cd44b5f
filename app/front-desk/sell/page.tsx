import { DeskPage } from '../desk-page.tsx';
import { SellScreen } from '../../../components/front-desk/sell/sell-screen.tsx';

export default function Page() {
  return (
    <DeskPage path="/front-desk/sell">
      <SellScreen />
    </DeskPage>
  );
}

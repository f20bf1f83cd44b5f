import { DeskPage } from '../desk-page.tsx';
import { ShiftsScreen } from '../../../components/front-desk/shifts/shifts-screen.tsx';

export default function Page() {
  return (
    <DeskPage path="/front-desk/shifts">
      <ShiftsScreen />
    </DeskPage>
  );
}

import { DeskPage } from '../desk-page.tsx';
import { CheckInScreen } from '../../../components/front-desk/check-in/check-in-screen.tsx';

export default function Page() {
  return (
    <DeskPage path="/front-desk/check-in">
      <CheckInScreen />
    </DeskPage>
  );
}

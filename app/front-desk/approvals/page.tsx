import { DeskPage } from '../desk-page.tsx';
import { ApprovalsScreen } from '../../../components/front-desk/approvals/approvals-screen.tsx';

export default function Page() {
  return (
    <DeskPage path="/front-desk/approvals">
      <ApprovalsScreen />
    </DeskPage>
  );
}

import { DeskPage } from '../desk-page.tsx';
import { OrdersScreen } from '../../../components/front-desk/orders/orders-screen.tsx';

export default function Page() {
  return (
    <DeskPage path="/front-desk/orders">
      <OrdersScreen />
    </DeskPage>
  );
}

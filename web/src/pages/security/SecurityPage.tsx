import { CategoryEvents } from '../../components/CategoryEvents';
import { Card } from '../../components/ui';
import { EventCategory } from '../../services/websocket.service';

export function SecurityPage() {
  return (
    <Card title="Security">
      <CategoryEvents
        category={EventCategory.SECURITY}
        empty={
          <>
            No scans yet. This server has not run a security scan, so there are no findings to show; scan and
            vulnerability events will appear here live as soon as one runs.
          </>
        }
      />
    </Card>
  );
}

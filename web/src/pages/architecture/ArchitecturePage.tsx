import { CategoryEvents } from '../../components/CategoryEvents';
import { Card } from '../../components/ui';
import { EventCategory } from '../../services/websocket.service';

export function ArchitecturePage() {
  return (
    <Card title="Architecture">
      <CategoryEvents
        category={EventCategory.ARCHITECTURE}
        empty={
          <>
            No diagrams yet. No architecture analysis has run on this server; diagram updates will appear here
            live when one does.
          </>
        }
      />
    </Card>
  );
}

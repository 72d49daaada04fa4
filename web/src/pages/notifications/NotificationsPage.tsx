import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Badge, Card, Empty, ErrorText } from '../../components/ui';
import { formatTime } from '../../components/format';
import { useApi } from '../../hooks/useSession';
import type { Notification } from '../../services/api.types';
import { queryKeys, upsert } from '../../services/liveCache';

export function NotificationsPage() {
  const api = useApi();
  const queries = useQueryClient();
  // `user_notification` events add to this list live (services/liveCache.ts).
  const notifications = useQuery({ queryKey: queryKeys.notifications, queryFn: () => api.get<Notification[]>('/notifications') });
  const markRead = useMutation({
    mutationFn: (id: string) => api.post<Notification>(`/notifications/${id}/read`),
    onSuccess: (note) =>
      queries.setQueryData<Notification[]>(queryKeys.notifications, (list) => upsert(list, note, (a, b) => a.id === b.id)),
  });

  const markAll = useMutation({
    mutationFn: () => api.post('/notifications/read-all'),
    onSuccess: () => queries.invalidateQueries({ queryKey: queryKeys.notifications }),
  });
  const unread = notifications.data?.filter((note) => !note.readAt).length ?? 0;

  return (
    <Card
      title="Notifications"
      actions={
        <button type="button" onClick={() => markAll.mutate()} disabled={unread === 0 || markAll.isPending}>
          Mark all read
        </button>
      }
    >
      <ErrorText error={notifications.error ?? markRead.error ?? markAll.error} />
      {notifications.data?.length === 0 && <Empty>No notifications.</Empty>}
      <ul className="notifications" aria-label="notifications">
        {notifications.data?.map((note) => (
          <li key={note.id} className={note.readAt ? 'read' : 'unread'}>
            <div>
              <Badge value={note.priority} kind={note.priority.toLowerCase()} /> <strong>{note.title}</strong>
              {note.body && <p>{note.body}</p>}
              <small>
                {note.kind} · {formatTime(note.createdAt)}
              </small>
            </div>
            {!note.readAt && (
              <button type="button" onClick={() => markRead.mutate(note.id)} disabled={markRead.isPending}>
                Mark read
              </button>
            )}
          </li>
        ))}
      </ul>
    </Card>
  );
}

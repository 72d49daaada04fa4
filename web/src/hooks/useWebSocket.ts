// The four React hooks of the live API (spec: "React Hooks"), over one shared WebSocketService.
//
//   const { isConnected } = useWebSocketConnection(authToken);
//   const { data } = useWebSocketEvent('pipeline_execution_completed');
//   const { events } = useWebSocketCategory(EventCategory.SECURITY);
//   const { events } = useWebSocketEvents();
//
// Components use the service given by <WebSocketProvider>, or else a default one for the page's
// origin. Event lists are bounded (`limit`, oldest dropped first) and seeded with the events the
// service already received in this session, so a page opened later is not empty.
import {
  createContext,
  createElement,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import {
  WebSocketService,
  type CategoryEvent,
  type ConnectionState,
  type EventCategory,
  type EventDataMap,
  type EventEnvelope,
  type EventType,
  type FeedEvent,
  type FilterChange,
} from '../services/websocket.service';

export const DEFAULT_CATEGORY_LIMIT = 100;
export const DEFAULT_EVENTS_LIMIT = 200;

const WebSocketContext = createContext<WebSocketService | null>(null);
let defaultService: WebSocketService | null = null;

export function WebSocketProvider({ service, children }: { service: WebSocketService; children?: ReactNode }) {
  return createElement(WebSocketContext.Provider, { value: service }, children);
}

/** The service of the nearest <WebSocketProvider>, or the page's default one. */
export function useWebSocketService(): WebSocketService {
  const provided = useContext(WebSocketContext);
  if (provided) return provided;
  defaultService ??= new WebSocketService();
  return defaultService;
}

export interface WebSocketConnection extends ConnectionState {
  service: WebSocketService;
  /** Narrow the stream on the server (`subscribe` / `unsubscribe`). */
  subscribe: (change: FilterChange) => void;
  unsubscribe: (change: FilterChange) => void;
}

/**
 * Keeps the connection open while mounted, authenticated with `authToken` (a new token
 * re-authenticates the live socket). `isConnected` is true while events flow.
 */
export function useWebSocketConnection(authToken: string | null | undefined): WebSocketConnection {
  const service = useWebSocketService();
  const state = useSyncExternalStore(service.onState, service.getState, service.getState);
  useEffect(() => (authToken ? service.retain(authToken) : undefined), [service, authToken]);
  const subscribe = useCallback((change: FilterChange) => service.subscribe(change), [service]);
  const unsubscribe = useCallback((change: FilterChange) => service.unsubscribe(change), [service]);
  return { ...state, service, subscribe, unsubscribe };
}

export interface WebSocketEventResult<T extends EventType> {
  /** The `data` of the latest event of this type, or null before the first one. */
  data: EventDataMap[T] | null;
  /** That event's whole envelope (seq, priority, timestamp, project_id). */
  event: EventEnvelope<T> | null;
}

/** The latest event of one type. */
export function useWebSocketEvent<T extends EventType>(eventType: T): WebSocketEventResult<T> {
  const service = useWebSocketService();
  const subscribe = useCallback(
    (changed: () => void) => {
      const offEvent = service.on(eventType, changed);
      const offState = service.onState(changed);
      return () => {
        offEvent();
        offState();
      };
    },
    [service, eventType],
  );
  const latest = useCallback(() => service.latest(eventType) ?? null, [service, eventType]);
  const event = useSyncExternalStore(subscribe, latest, latest);
  return { data: event ? event.data : null, event };
}

export interface WebSocketEventsResult<E> {
  /** Oldest first, at most `limit` of them. */
  events: E[];
  clear: () => void;
}

/** Every event of one category, as they arrive. */
export function useWebSocketCategory<C extends EventCategory>(
  category: C,
  options: { limit?: number } = {},
): WebSocketEventsResult<CategoryEvent<C>> {
  const service = useWebSocketService();
  const limit = options.limit ?? DEFAULT_CATEGORY_LIMIT;
  return useBoundedFeed(
    service,
    limit,
    useCallback(() => service.recent(category) as CategoryEvent<C>[], [service, category]),
    useCallback((push: (event: CategoryEvent<C>) => void) => service.onCategory(category, push), [service, category]),
  );
}

/** Every event, as they arrive (optionally only those `filter` accepts). */
export function useWebSocketEvents(
  options: { limit?: number; filter?: (event: FeedEvent) => boolean } = {},
): WebSocketEventsResult<FeedEvent> {
  const service = useWebSocketService();
  const limit = options.limit ?? DEFAULT_EVENTS_LIMIT;
  // The latest filter, without resubscribing when an inline function changes identity.
  const filter = useRef(options.filter);
  useEffect(() => {
    filter.current = options.filter;
  });
  const accepts = useCallback((event: FeedEvent) => !filter.current || filter.current(event), []);
  return useBoundedFeed(
    service,
    limit,
    useCallback(() => service.recent().filter(accepts), [service, accepts]),
    useCallback(
      (push: (event: FeedEvent) => void) => service.onAny((event) => accepts(event) && push(event)),
      [service, accepts],
    ),
  );
}

function useBoundedFeed<E>(
  service: WebSocketService,
  limit: number,
  seed: () => E[],
  listen: (push: (event: E) => void) => () => void,
): WebSocketEventsResult<E> {
  const [events, setEvents] = useState<E[]>(() => seed().slice(-limit));
  const { generation } = useSyncExternalStore(service.onState, service.getState, service.getState);
  useEffect(() => {
    // Seeding and subscribing happen together, synchronously, so no event falls between them.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setEvents(seed().slice(-limit));
    return listen((event) => setEvents((previous) => bounded([...previous, event], limit)));
  }, [seed, listen, limit, generation]);
  const clear = useCallback(() => setEvents([]), []);
  return { events, clear };
}

function bounded<E>(events: E[], limit: number): E[] {
  return events.length > limit ? events.slice(events.length - limit) : events;
}

/** Calls `handler` (its latest version) for every event of `eventType`, while mounted. */
export function useWebSocketListener<T extends EventType>(eventType: T, handler: (event: EventEnvelope<T>) => void): void {
  const service = useWebSocketService();
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => service.on(eventType, (event) => latest.current(event)), [service, eventType]);
}

// The live connection to Conveyor's Socket.IO API (namespace /ws): authenticates, tracks the
// last seen `seq`, resumes after a reconnection without gaps or duplicates, and hands events to
// listeners per event type, per category, or all of them.
//
// Every (re)connection carries the current token and the last seen seq in the CONNECT `auth`,
// so the server replays what was missed before live events. A token given while connected is
// sent with the spec's `authenticate` event. An `auth_error` (e.g. "token expired") asks the
// token provider once for a fresh token and authenticates again with it.
import { io, type Socket } from 'socket.io-client';
import {
  EventCategory,
  type AnyEventEnvelope,
  type AuthenticateMessage,
  type AuthenticatedMessage,
  type ErrorMessage,
  type EventDataMap,
  type EventEnvelope,
  type EventType,
  type EventTypeOfCategory,
  type FilterChange,
  type JsonObject,
} from './events.generated';

export {
  EVENT_CATEGORIES,
  EVENT_PRIORITY_RANK,
  EVENT_TYPES,
  EventCategory,
  EventPriority,
  EventType,
} from './events.generated';
export type {
  AnyEventEnvelope,
  AuthenticatedMessage,
  EventDataMap,
  EventEnvelope,
  EventTypeOfCategory,
  FilterChange,
  JsonObject,
} from './events.generated';

type KeysOfUnion<U> = U extends unknown ? keyof U : never;

/**
 * One of the events of type `T`, discriminated by `event_type`; a `data` field that only some
 * of these types carry reads as `undefined` on the others, so feeds can be rendered without
 * narrowing first (`event.data.vulnerabilityId || event.timestamp`).
 */
export type FeedEvent<T extends EventType = EventType> = {
  [K in T]: Omit<EventEnvelope<K>, 'data'> & {
    data: EventDataMap[K] & { [F in Exclude<KeysOfUnion<EventDataMap[T]>, keyof EventDataMap[K]>]?: undefined };
  };
}[T];
export type CategoryEvent<C extends EventCategory> = FeedEvent<EventTypeOfCategory<C>>;

export type ConnectionStatus =
  | 'idle' // no token yet, or disconnected on purpose
  | 'connecting' // (re)connecting the socket
  | 'authenticating' // connected, credentials sent
  | 'authenticated' // receiving events
  | 'unauthenticated'; // the server refused the token and no fresh one could be had

export interface ConnectionState {
  status: ConnectionStatus;
  /** The socket is connected and authenticated: events flow. */
  isConnected: boolean;
  user: JsonObject | null;
  /** Project id -> role, as the server sees this user. */
  projects: Record<string, string>;
  expiresAt: string | null;
  /** Why the server refused the token (auth_error), until the next authentication. */
  authError: string | null;
  /** The last transport error, while reconnecting. */
  connectionError: string | null;
  /** The seq the last authentication resumed after (the server replayed what followed it). */
  resumeFrom: number | null;
  /** Authentications so far: each one may follow a gap, so caches refetch when it changes. */
  authentications: number;
  /** Bumped by `reset()`: whatever was received before belongs to another session. */
  generation: number;
}

/** Returns a token to authenticate with (a fresh one after an auth_error), or null. */
export type TokenProvider = () => string | null | undefined | Promise<string | null | undefined>;

export interface WebSocketServiceOptions {
  /** Server base URL (default: the page's origin). The namespace `/ws` is appended. */
  url?: string;
  /** Socket.IO path (default `/socket.io`). */
  path?: string;
  /** Asked for a fresh token when the server answers `auth_error`. */
  tokenProvider?: TokenProvider;
  /** A server-side filter, sent with the credentials (applied before any replay). */
  subscription?: FilterChange;
  /** Recent events kept per category, to seed hooks that mount later (default 200). */
  recentLimit?: number;
  reconnectionDelay?: number;
  reconnectionDelayMax?: number;
}

type Listener<E> = (event: E) => void;

const INITIAL_STATE: ConnectionState = {
  status: 'idle',
  isConnected: false,
  user: null,
  projects: {},
  expiresAt: null,
  authError: null,
  connectionError: null,
  resumeFrom: null,
  authentications: 0,
  generation: 0,
};
const RECONNECT_AFTER_SERVER_DISCONNECT_MS = 1_000;
const RELEASE_DELAY_MS = 50;

export function isEnvelope(event: string, payload: unknown): payload is AnyEventEnvelope {
  if (typeof payload !== 'object' || payload === null) return false;
  const candidate = payload as Partial<AnyEventEnvelope>;
  return candidate.event_type === event && typeof candidate.seq === 'number' && typeof candidate.data === 'object';
}

export class WebSocketService {
  private readonly options: WebSocketServiceOptions;
  private socket: Socket | null = null;
  private token: string | null = null;
  private seq: number | null = null;
  private filter: FilterChange | undefined;
  private state: ConnectionState = INITIAL_STATE;
  private reauthenticated = false;
  private wanted = false;
  private users = 0;
  private releaseTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly stateListeners = new Set<() => void>();
  private readonly typeListeners = new Map<string, Set<Listener<AnyEventEnvelope>>>();
  private readonly categoryListeners = new Map<string, Set<Listener<AnyEventEnvelope>>>();
  private readonly anyListeners = new Set<Listener<AnyEventEnvelope>>();
  private readonly errorListeners = new Set<Listener<ErrorMessage>>();
  private readonly recentByCategory = new Map<string, AnyEventEnvelope[]>();
  private readonly latestByType = new Map<string, AnyEventEnvelope>();
  /** Events dropped because their seq was already seen (replays overlapping live delivery). */
  duplicatesDropped = 0;

  constructor(options: WebSocketServiceOptions = {}) {
    this.options = options;
    this.filter = options.subscription;
  }

  // Connection -----------------------------------------------------------------------------

  /** Connect (or, when connected, authenticate again) with `token` or the provider's token. */
  async connect(token?: string | null): Promise<void> {
    this.wanted = true;
    const next = token ?? this.token ?? (await this.options.tokenProvider?.()) ?? null;
    if (!next) return;
    if (this.socket?.connected) {
      if (next !== this.token || this.state.status === 'unauthenticated') this.authenticate(next);
      return;
    }
    this.token = next;
    this.setState({ status: 'connecting' });
    this.ensureSocket().connect();
  }

  /** Send the spec's `authenticate` event on the live socket (or connect with this token). */
  authenticate(token: string): void {
    this.token = token;
    if (!this.socket?.connected) {
      void this.connect(token);
      return;
    }
    this.setState({ status: 'authenticating' });
    this.socket.emit('authenticate', this.credentials());
  }

  /** Close the socket; the last seen seq is kept, so `connect()` later resumes. */
  disconnect(): void {
    this.wanted = false;
    this.clearTimers();
    this.socket?.disconnect();
    this.setState({ status: 'idle', isConnected: false });
  }

  /** Disconnect and forget everything of this session (logout): token, seq, buffers. */
  reset(): void {
    this.disconnect();
    this.token = null;
    this.seq = null;
    this.filter = this.options.subscription;
    this.recentByCategory.clear();
    this.latestByType.clear();
    this.setState({ ...INITIAL_STATE, generation: this.state.generation + 1 });
  }

  /**
   * Reference-counted `connect`: components that need the connection retain it and call the
   * returned release; the socket closes shortly after the last release.
   */
  retain(token?: string | null): () => void {
    this.users += 1;
    if (this.releaseTimer) clearTimeout(this.releaseTimer);
    this.releaseTimer = null;
    void this.connect(token);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.users -= 1;
      if (this.users === 0) this.releaseTimer = setTimeout(() => this.disconnect(), RELEASE_DELAY_MS);
    };
  }

  /** Narrow the stream on the server; kept for reconnections. */
  subscribe(change: FilterChange): void {
    this.socket?.emit('subscribe', change);
  }

  unsubscribe(change: FilterChange): void {
    this.socket?.emit('unsubscribe', change);
  }

  /** The last seq seen, sent as `lastSeq` when (re)authenticating; null before any. */
  get lastSeq(): number | null {
    return this.seq;
  }

  get currentToken(): string | null {
    return this.token;
  }

  // State ------------------------------------------------------------------------------------

  getState = (): ConnectionState => this.state;

  onState = (listener: () => void): (() => void) => {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  };

  /** Server `error` events (bad input, rate limits). */
  onError(listener: Listener<ErrorMessage>): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  private setState(change: Partial<ConnectionState>): void {
    const next = { ...this.state, ...change };
    next.isConnected = next.status === 'authenticated';
    this.state = next;
    for (const listener of [...this.stateListeners]) listener();
  }

  // Events -----------------------------------------------------------------------------------

  on<T extends EventType>(eventType: T, listener: Listener<EventEnvelope<T>>): () => void {
    return addTo(this.typeListeners, eventType, listener as Listener<AnyEventEnvelope>);
  }

  onCategory<C extends EventCategory>(category: C, listener: Listener<CategoryEvent<C>>): () => void {
    return addTo(this.categoryListeners, category, listener as unknown as Listener<AnyEventEnvelope>);
  }

  onAny(listener: Listener<FeedEvent>): () => void {
    const wrapped = listener as unknown as Listener<AnyEventEnvelope>;
    this.anyListeners.add(wrapped);
    return () => this.anyListeners.delete(wrapped);
  }

  /** The latest event of a type received in this session, if any. */
  latest<T extends EventType>(eventType: T): EventEnvelope<T> | undefined {
    return this.latestByType.get(eventType) as EventEnvelope<T> | undefined;
  }

  /** Recent events (oldest first) of one category, or of all of them. */
  recent(category?: EventCategory): FeedEvent[] {
    const lists = category ? [this.recentByCategory.get(category) ?? []] : [...this.recentByCategory.values()];
    const events = lists.flat() as unknown as FeedEvent[];
    return category ? events : events.sort((a, b) => a.seq - b.seq);
  }

  private accept(envelope: AnyEventEnvelope): void {
    if (this.seq !== null && envelope.seq <= this.seq) {
      this.duplicatesDropped += 1;
      return;
    }
    this.seq = envelope.seq;
    this.remember(envelope);
    const listeners = [
      ...(this.typeListeners.get(envelope.event_type) ?? []),
      ...(this.categoryListeners.get(envelope.category) ?? []),
      ...this.anyListeners,
    ];
    for (const listener of listeners) {
      try {
        listener(envelope);
      } catch (error) {
        console.error(`listener of ${envelope.event_type} failed`, error);
      }
    }
  }

  private remember(envelope: AnyEventEnvelope): void {
    this.latestByType.set(envelope.event_type, envelope);
    const list = this.recentByCategory.get(envelope.category) ?? [];
    list.push(envelope);
    const limit = this.options.recentLimit ?? 200;
    if (list.length > limit) list.splice(0, list.length - limit);
    this.recentByCategory.set(envelope.category, list);
  }

  // Socket -----------------------------------------------------------------------------------

  private credentials(): AuthenticateMessage {
    const message: AuthenticateMessage = { token: this.token ?? '' };
    if (this.seq !== null) message.lastSeq = this.seq;
    if (this.filter) message.subscribe = this.filter;
    return message;
  }

  private ensureSocket(): Socket {
    if (this.socket) return this.socket;
    const base = (this.options.url ?? globalThis.location?.origin ?? '').replace(/\/$/, '');
    const socket = io(`${base}/ws`, {
      path: this.options.path ?? '/socket.io',
      transports: ['websocket'],
      autoConnect: false,
      forceNew: true,
      // Called on every (re)connection: the current token and last seen seq.
      auth: (send) => send({ ...this.credentials() }),
      reconnectionDelay: this.options.reconnectionDelay ?? 500,
      reconnectionDelayMax: this.options.reconnectionDelayMax ?? 10_000,
    });
    socket.on('connect', () => this.setState({ status: 'authenticating', connectionError: null }));
    socket.on('connect_error', (error) => this.setState({ status: 'connecting', connectionError: error.message }));
    socket.on('disconnect', (reason) => this.onDisconnect(reason));
    socket.onAny((event: string, payload: unknown) => this.onMessage(event, payload));
    this.socket = socket;
    return socket;
  }

  private onMessage(event: string, payload: unknown): void {
    if (event === 'authenticated') this.onAuthenticated(payload as AuthenticatedMessage);
    else if (event === 'auth_error') void this.onAuthError(String((payload as { message?: unknown })?.message));
    else if (event === 'subscribed') this.rememberFilter((payload as { filter?: JsonObject })?.filter);
    else if (event === 'error') for (const listener of [...this.errorListeners]) listener(payload as ErrorMessage);
    else if (isEnvelope(event, payload)) this.accept(payload);
  }

  private onAuthenticated(welcome: AuthenticatedMessage): void {
    if (this.seq === null && typeof welcome.lastSeq === 'number') this.seq = welcome.lastSeq;
    this.reauthenticated = false;
    this.rememberFilter(welcome.filter);
    this.setState({
      status: 'authenticated',
      user: welcome.user,
      projects: welcome.projects ?? {},
      expiresAt: welcome.expiresAt ?? null,
      authError: null,
      resumeFrom: welcome.resumeFrom ?? null,
      authentications: this.state.authentications + 1,
    });
  }

  private async onAuthError(message: string): Promise<void> {
    const failed = this.token;
    this.setState({ status: 'unauthenticated', authError: message });
    if (this.reauthenticated || !this.options.tokenProvider) return;
    this.reauthenticated = true; // once per successful authentication: no loop on a bad provider
    let fresh: string | null | undefined = null;
    try {
      fresh = await this.options.tokenProvider();
    } catch (error) {
      console.warn('token provider failed', error);
    }
    if (fresh && fresh !== failed && this.wanted) this.authenticate(fresh);
  }

  private onDisconnect(reason: Socket.DisconnectReason): void {
    const refused = this.state.status === 'unauthenticated';
    this.setState({ status: this.wanted && !refused ? 'connecting' : this.state.status, isConnected: false });
    // socket.io-client reconnects by itself except when the server closed the socket.
    if (reason === 'io server disconnect' && this.wanted && !refused) {
      this.reconnectTimer = setTimeout(() => this.socket?.connect(), RECONNECT_AFTER_SERVER_DISCONNECT_MS);
    }
  }

  private rememberFilter(filter: JsonObject | undefined): void {
    if (!filter) return;
    const change: FilterChange = {};
    if (Array.isArray(filter.categories)) change.categories = filter.categories;
    if (Array.isArray(filter.eventTypes)) change.eventTypes = filter.eventTypes;
    if (Array.isArray(filter.projectIds)) change.projectIds = filter.projectIds;
    if (filter.minPriority && filter.minPriority !== 'LOW') change.minPriority = filter.minPriority;
    this.filter = Object.keys(change).length ? change : undefined;
  }

  private clearTimers(): void {
    if (this.releaseTimer) clearTimeout(this.releaseTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.releaseTimer = this.reconnectTimer = null;
  }
}

function addTo<E>(map: Map<string, Set<Listener<E>>>, key: string, listener: Listener<E>): () => void {
  const set = map.get(key) ?? new Set<Listener<E>>();
  set.add(listener);
  map.set(key, set);
  return () => {
    set.delete(listener);
  };
}

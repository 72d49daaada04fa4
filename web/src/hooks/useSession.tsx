// The signed-in user: login, logout, session renewal, and the API client that carries the token.
// The tokens live in sessionStorage (this tab only); the socket asks for the access token on every
// reconnect. The access token is renewed with the refresh token shortly before it expires, and
// on a 401, so an open dashboard stays signed in while used; signing out revokes the session.
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiClient, ApiError } from '../services/api';
import type { TokenResponse, User } from '../services/api.types';
import type { WebSocketService } from '../services/websocket.service';

const STORAGE_KEY = 'conveyor.session';

interface StoredSession {
  token: string;
  expiresAt: number;
  refreshToken: string | null;
  refreshExpiresAt: number | null;
  user: User;
}

/** When to renew an access token that lives `ttlMs`: a minute before it ends (sooner for short ones). */
export function renewalDelay(expiresAt: number, ttlMs: number, now = Date.now()): number {
  return Math.max(0, expiresAt - Math.min(60_000, ttlMs / 4) - now);
}

function stored(response: TokenResponse, user: User, previous?: StoredSession): StoredSession {
  const now = Date.now();
  const refreshToken = response.refresh_token ?? previous?.refreshToken ?? null;
  const refreshIn = response.refresh_expires_in;
  return {
    token: response.access_token,
    expiresAt: now + response.expires_in * 1000,
    refreshToken,
    refreshExpiresAt: refreshIn ? now + refreshIn * 1000 : (previous?.refreshExpiresAt ?? null),
    user,
  };
}

export interface Session {
  user: User | null;
  token: string | null;
  /** Why the previous session ended (expired token), shown on the login page. */
  endedBecause: string | null;
  api: ApiClient;
  login: (username: string, password: string) => Promise<void>;
  logout: () => void;
  /** The server refused the token: back to the login page, keeping the live stream's position. */
  expire: (reason: string) => void;
  /** A new access token from the refresh token; false (and signed out) when the session is over. */
  renew: () => Promise<boolean>;
}

const SessionContext = createContext<Session | null>(null);

export function readSession(): StoredSession | null {
  try {
    const session = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as StoredSession | null;
    if (!session) return null;
    const renewable = session.refreshToken && (session.refreshExpiresAt ?? 0) > Date.now();
    return session.expiresAt > Date.now() || renewable ? session : null;
  } catch {
    return null;
  }
}

export function SessionProvider({
  service,
  baseUrl = '',
  children,
}: {
  service: WebSocketService;
  baseUrl?: string;
  children: ReactNode;
}) {
  const queries = useQueryClient();
  const [session, setSession] = useState<StoredSession | null>(readSession);
  const [endedBecause, setEndedBecause] = useState<string | null>(null);

  const end = useCallback((reason: string | null) => {
    sessionStorage.removeItem(STORAGE_KEY);
    setSession(null);
    setEndedBecause(reason);
  }, []);
  const expire = useCallback(
    (reason: string) => end(/[.!?]$/.test(reason) ? reason : `Your session ended (${reason}). Please sign in again.`),
    [end],
  );
  const keep = useCallback((next: StoredSession) => {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setSession(next);
  }, []);

  // One renewal at a time, shared by every caller that hit a 401 meanwhile.
  const [renewing] = useState<{ current: Promise<boolean> | null }>(() => ({ current: null }));
  const renew = useCallback((): Promise<boolean> => {
    const current = readSession();
    if (!current?.refreshToken) return Promise.resolve(false);
    renewing.current ??= new ApiClient({ baseUrl, token: () => null })
      .post<TokenResponse>('/auth/refresh', { refresh_token: current.refreshToken })
      .then((response) => {
        keep(stored(response, current.user, current));
        return true;
      })
      .catch((failure: unknown) => {
        if (failure instanceof ApiError && failure.status === 401) expire(failure.message);
        return false;
      })
      .finally(() => {
        renewing.current = null;
      });
    return renewing.current;
  }, [baseUrl, keep, expire, renewing]);

  const logout = useCallback(() => {
    const refreshToken = readSession()?.refreshToken;
    if (refreshToken) void new ApiClient({ baseUrl, token: () => null }).post('/auth/logout', { refresh_token: refreshToken }).catch(() => undefined);
    end(null);
    service.reset();
    queries.clear();
  }, [baseUrl, end, service, queries]);

  const api = useMemo(
    () =>
      new ApiClient({
        baseUrl,
        token: () => readSession()?.token ?? null,
        renew,
        onUnauthorized: () => expire('You are no longer signed in. Please sign in again.'),
      }),
    [baseUrl, renew, expire],
  );

  // Renew shortly before the access token runs out, for as long as the dashboard is open.
  useEffect(() => {
    if (!session?.refreshToken) return;
    const ttl = Math.max(0, session.expiresAt - Date.now());
    const timer = setTimeout(() => void renew(), renewalDelay(session.expiresAt, ttl));
    return () => clearTimeout(timer);
  }, [session?.expiresAt, session?.refreshToken, renew]);

  const login = useCallback(
    async (username: string, password: string) => {
      const anonymous = new ApiClient({ baseUrl, token: () => null });
      const response = await anonymous.post<TokenResponse>('/auth/login', { username, password });
      const user = await new ApiClient({ baseUrl, token: () => response.access_token }).get<User>('/auth/me');
      const previous = service.getState().user as { id?: string } | null;
      if (previous?.id && previous.id !== user.id) {
        service.reset(); // another user's events must not show
        queries.clear();
      }
      keep(stored(response, user));
      setEndedBecause(null);
    },
    [baseUrl, service, queries, keep],
  );

  const value = useMemo<Session>(
    () => ({ user: session?.user ?? null, token: session?.token ?? null, endedBecause, api, login, logout, expire, renew }),
    [session, endedBecause, api, login, logout, expire, renew],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession needs a <SessionProvider>');
  return session;
}

export function useApi(): ApiClient {
  return useSession().api;
}

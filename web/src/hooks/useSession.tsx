// The signed-in user: login, logout, session expiry, and the API client that carries the token.
// The token lives in sessionStorage (this tab only); the socket asks for it on every reconnect.
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { ApiClient } from '../services/api';
import type { TokenResponse, User } from '../services/api.types';
import type { WebSocketService } from '../services/websocket.service';

const STORAGE_KEY = 'conveyor.session';

interface StoredSession {
  token: string;
  expiresAt: number;
  user: User;
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
}

const SessionContext = createContext<Session | null>(null);

export function readSession(): StoredSession | null {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as StoredSession | null;
    return stored && stored.expiresAt > Date.now() ? stored : null;
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
  const [stored, setStored] = useState<StoredSession | null>(readSession);
  const [endedBecause, setEndedBecause] = useState<string | null>(null);

  const end = useCallback((reason: string | null) => {
    sessionStorage.removeItem(STORAGE_KEY);
    setStored(null);
    setEndedBecause(reason);
  }, []);
  const expire = useCallback((reason: string) => end(`Your session ended (${reason}). Please sign in again.`), [end]);
  const logout = useCallback(() => {
    end(null);
    service.reset();
    queries.clear();
  }, [end, service, queries]);

  const api = useMemo(
    () => new ApiClient({ baseUrl, token: () => readSession()?.token ?? null, onUnauthorized: () => expire('unauthorized') }),
    [baseUrl, expire],
  );

  const login = useCallback(
    async (username: string, password: string) => {
      const anonymous = new ApiClient({ baseUrl, token: () => null });
      const { access_token, expires_in } = await anonymous.post<TokenResponse>('/auth/login', { username, password });
      const user = await new ApiClient({ baseUrl, token: () => access_token }).get<User>('/auth/me');
      const previous = service.getState().user as { id?: string } | null;
      if (previous?.id && previous.id !== user.id) {
        service.reset(); // another user's events must not show
        queries.clear();
      }
      const session = { token: access_token, expiresAt: Date.now() + expires_in * 1000, user };
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
      setStored(session);
      setEndedBecause(null);
    },
    [baseUrl, service, queries],
  );

  const value = useMemo<Session>(
    () => ({ user: stored?.user ?? null, token: stored?.token ?? null, endedBecause, api, login, logout, expire }),
    [stored, endedBecause, api, login, logout, expire],
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

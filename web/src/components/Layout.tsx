// The signed-in frame: navigation, live connection status, and the socket held open meanwhile.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { useSession } from '../hooks/useSession';
import { useWebSocketConnection } from '../hooks/useWebSocket';
import type { Notification } from '../services/api.types';
import { queryKeys } from '../services/liveCache';

const LINKS = [
  ['/', 'Overview'],
  ['/pipelines', 'Pipelines'],
  ['/system', 'System'],
  ['/debug', 'Debug'],
  ['/security', 'Security'],
  ['/architecture', 'Architecture'],
] as const;

const STATUS_TEXT = {
  idle: 'Disconnected',
  connecting: 'Connecting…',
  authenticating: 'Authenticating…',
  authenticated: 'Live',
  unauthenticated: 'Not authenticated',
} as const;

export function Layout() {
  const { user, token, api, logout, expire, renew } = useSession();
  const connection = useWebSocketConnection(token);
  const notifications = useQuery({
    queryKey: queryKeys.notifications,
    queryFn: () => api.get<Notification[]>('/notifications'),
  });
  const unread = notifications.data?.filter((n) => !n.readAt).length ?? 0;
  // On a narrow screen the sidebar is a menu, closed again by choosing a page.
  const { pathname } = useLocation();
  const [menu, setMenu] = useState<string | null>(null);
  const menuOpen = menu === pathname;

  useEffect(() => {
    // A refused socket token is renewed once; only a session that cannot be renewed ends.
    if (connection.status !== 'unauthenticated' || !connection.authError) return;
    const reason = connection.authError;
    void renew().then((renewed) => renewed || expire(reason));
  }, [connection.status, connection.authError, expire, renew]);

  return (
    <div className="layout">
      <nav className={menuOpen ? 'sidebar open' : 'sidebar'} id="sidebar">
        <div className="brand">Conveyor</div>
        {LINKS.map(([to, label]) => (
          <NavLink key={to} to={to} end={to === '/'}>
            {label}
          </NavLink>
        ))}
        <NavLink to="/notifications">
          Notifications{unread > 0 && <span className="count" aria-label={`${unread} unread`}>{unread}</span>}
        </NavLink>
      </nav>
      <div className="main">
        <header className="topbar">
          <button type="button" className="menu-toggle" aria-controls="sidebar" aria-expanded={menuOpen} onClick={() => setMenu(menuOpen ? null : pathname)}>
            Menu
          </button>
          <span className={`connection connection-${connection.status}`} data-testid="connection-status" title={connection.connectionError ?? ''}>
            {STATUS_TEXT[connection.status]}
          </span>
          <NavLink to="/settings" className="user" title="Your API tokens and settings">
            {user?.username}
            {user?.isAdmin && <small> (admin)</small>}
          </NavLink>
          <button type="button" className="link" onClick={logout}>
            Sign out
          </button>
        </header>
        <main>
          <Outlet />
        </main>
      </div>
    </div>
  );
}

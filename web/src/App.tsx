import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { Layout } from './components/Layout';
import { SessionProvider, readSession, useSession } from './hooks/useSession';
import { WebSocketProvider } from './hooks/useWebSocket';
import { ArchitecturePage } from './pages/architecture/ArchitecturePage';
import { DebugPage } from './pages/debug/DebugPage';
import { LoginPage } from './pages/login/LoginPage';
import { NotificationsPage } from './pages/notifications/NotificationsPage';
import { OverviewPage } from './pages/overview/OverviewPage';
import { PipelinePage } from './pages/pipelines/PipelinePage';
import { ProjectPage } from './pages/pipelines/ProjectPage';
import { ProjectsPage } from './pages/pipelines/ProjectsPage';
import { RunPage } from './pages/runs/RunPage';
import { AccountPage } from './pages/settings/AccountPage';
import { ProjectSettingsPage } from './pages/settings/ProjectSettingsPage';
import { SecurityPage } from './pages/security/SecurityPage';
import { SystemPage } from './pages/system/SystemPage';
import { connectLiveCache } from './services/liveCache';
import { WebSocketService } from './services/websocket.service';

function RequireSession({ children }: { children: ReactNode }) {
  const { token } = useSession();
  const location = useLocation();
  if (!token) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return children;
}

export function App({ baseUrl = '' }: { baseUrl?: string }) {
  const [queries] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 30_000, retry: 1 } } }));
  // The socket asks for the tab's current token on every (re)connection and after an auth_error.
  const [service] = useState(() => new WebSocketService({ url: baseUrl || undefined, tokenProvider: () => readSession()?.token }));
  useEffect(() => connectLiveCache(service, queries), [service, queries]);

  return (
    <QueryClientProvider client={queries}>
      <WebSocketProvider service={service}>
        <SessionProvider service={service} baseUrl={baseUrl}>
          <BrowserRouter>
            <Routes>
              <Route path="/login" element={<LoginPage />} />
              <Route
                element={
                  <RequireSession>
                    <Layout />
                  </RequireSession>
                }
              >
                <Route index element={<OverviewPage />} />
                <Route path="pipelines" element={<ProjectsPage />} />
                <Route path="projects/:projectId" element={<ProjectPage />} />
                <Route path="projects/:projectId/settings" element={<ProjectSettingsPage />} />
                <Route path="settings" element={<AccountPage />} />
                <Route path="pipelines/:pipelineId" element={<PipelinePage />} />
                <Route path="executions/:executionId" element={<RunPage />} />
                <Route path="system" element={<SystemPage />} />
                <Route path="debug" element={<DebugPage />} />
                <Route path="security" element={<SecurityPage />} />
                <Route path="architecture" element={<ArchitecturePage />} />
                <Route path="notifications" element={<NotificationsPage />} />
                <Route path="*" element={<p>Page not found.</p>} />
              </Route>
            </Routes>
          </BrowserRouter>
        </SessionProvider>
      </WebSocketProvider>
    </QueryClientProvider>
  );
}

// Helpers for tests that run against the real server started by globalSetup.ts.
import { inject } from 'vitest';

export const baseUrl = (): string => inject('baseUrl');

export async function api<T>(path: string, init: { token?: string; method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(`${baseUrl()}/api/v1${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      'Content-Type': 'application/json',
      ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function login(username = 'admin', password: string = inject('adminPassword')): Promise<string> {
  const { access_token } = await api<{ access_token: string }>('/auth/login', { body: { username, password } });
  return access_token;
}

export interface AlertRead {
  alertId: string;
  title: string;
  status: string;
}

export function raiseAlert(token: string, title: string, severity = 'info'): Promise<AlertRead> {
  return api<AlertRead>('/system/alerts', { token, body: { title, severity, message: '', source: 'vitest' } });
}

/** Resolves when `check` holds, re-checked at every `listen` notification; rejects after `ms`. */
export function until(
  check: () => boolean,
  listen: (wake: () => void) => () => void,
  ms = 10_000,
  what = 'condition',
): Promise<void> {
  return new Promise((resolve, reject) => {
    let off = () => {};
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const wake = () => {
      if (!check()) return;
      clearTimeout(timer);
      off();
      resolve();
    };
    off = listen(wake);
    wake();
  });
}

let counter = 0;
export const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${(counter += 1)}`;

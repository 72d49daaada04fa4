// A small client for /api/v1: JSON in and out, the session's bearer token, errors as ApiError.

export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;

  constructor(status: number, detail: string) {
    super(sentence(status, detail));
    this.status = status;
    this.detail = detail;
  }
}

export interface ApiClientOptions {
  /** Server base URL; empty for the page's origin. */
  baseUrl?: string;
  token: () => string | null;
  /** Called on a 401 first: a new token (true) means the request is sent again, once. */
  renew?: () => Promise<boolean>;
  /** Called on a 401 that renewal did not cure, e.g. to send the user back to the login page. */
  onUnauthorized?: () => void;
}

export class ApiClient {
  private readonly options: ApiClientOptions;

  constructor(options: ApiClientOptions) {
    this.options = options;
  }

  get<T>(path: string, query?: Record<string, string | number | boolean | undefined>): Promise<T> {
    return this.request<T>('GET', withQuery(path, query));
  }

  /** `signal` aborts the request (a newer one replaces it). */
  post<T>(path: string, body: unknown = {}, signal?: AbortSignal): Promise<T> {
    return this.request<T>('POST', path, body, signal);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }

  /** Saves what `path` answers as a file (downloads need the bearer token, so no plain link). */
  async download(path: string, fallbackName: string): Promise<void> {
    const response = await this.fetch('GET', path);
    const disposition = response.headers.get('Content-Disposition') ?? '';
    const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
    const url = URL.createObjectURL(await response.blob());
    const link = Object.assign(document.createElement('a'), { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await this.fetch(method, path, body, false, signal);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  private async fetch(method: string, path: string, body?: unknown, retried = false, signal?: AbortSignal): Promise<Response> {
    const token = this.options.token();
    let response: Response;
    try {
      response = await fetch(`${this.options.baseUrl ?? ''}/api/v1${path}`, {
        method,
        headers: {
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError(0, 'the server could not be reached');
    }
    if (response.status === 401 && token && !retried && (await this.options.renew?.())) {
      return this.fetch(method, path, body, true, signal);
    }
    if (!response.ok) {
      if (response.status === 401 && token) this.options.onUnauthorized?.();
      throw new ApiError(response.status, await errorDetail(response));
    }
    return response;
  }
}

function withQuery(path: string, query?: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function errorDetail(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const detail = (JSON.parse(text) as { detail?: unknown }).detail;
    if (typeof detail === 'string') return detail;
    if (Array.isArray(detail)) return detail.map((d: { msg?: string }) => d.msg ?? JSON.stringify(d)).join('; ');
    return text || response.statusText;
  } catch {
    return text || response.statusText;
  }
}

const STATUS_SENTENCES: Record<number, string> = {
  0: 'The server could not be reached. Check your connection and try again.',
  401: 'You are not signed in, or your session has ended.',
  403: 'You are not allowed to do this.',
  404: 'This was not found, or you do not have access to it.',
  409: 'This conflicts with the current state.',
  413: 'This is too large.',
  422: 'This input is not valid.',
  429: 'Too many requests. Wait a moment and try again.',
};

/** An error as a sentence for people: the server's reason, capitalized and ended, or what the status means. */
export function sentence(status: number, detail: string): string {
  const reason = detail.trim();
  const general = STATUS_SENTENCES[status] ?? (status >= 500 ? 'The server failed to do this. Try again later.' : 'The request failed.');
  if (!reason || reason === String(status)) return general;
  const text = reason.charAt(0).toUpperCase() + reason.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

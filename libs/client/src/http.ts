// The HTTP half of the client: one request function that speaks the protocol's error shape.
// Framework-free and isomorphic: it uses the global fetch (browsers, Node 20).

/** An answer outside 2xx, in the protocol's error shape `{"error": {"code", "message", "details"}}`. */
export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly code: string,
    readonly details: unknown,
    /** Seconds from `Retry-After` (429, 503), null without one. */
    readonly retryAfterSeconds: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RawResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  token?: string | null;
  /** Sent as is instead of the JSON of `body` (for tests of malformed input). */
  rawBody?: string;
  /** Bytes sent as the body (media uploads): no JSON, no content type (the server finds the type in the bytes). */
  bytes?: Blob | Uint8Array<ArrayBuffer>;
  signal?: AbortSignal;
}

export interface HttpOptions {
  /**
   * How many times a read answered 503 `projections_behind` is retried after its Retry-After
   * (read your own writes: the server refused rather than answer without the caller's write).
   */
  fenceRetries?: number;
  /** Waits between retries; injected by tests. */
  sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class HttpClient {
  private readonly fenceRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;

  /** `baseUrl` is the origin (`http://localhost:3000`), or '' in a page served by that origin. */
  constructor(readonly baseUrl: string, options: HttpOptions = {}) {
    this.fenceRetries = options.fenceRetries ?? 3;
    this.sleep = options.sleep ?? sleepFor;
  }

  /** One request; any status comes back as it is, the body parsed when it is JSON. */
  async raw<T = unknown>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<RawResponse<T>> {
    const headers: Record<string, string> = {};
    const payload = options.bytes ?? options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
    if (payload !== undefined && !options.bytes) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(this.baseUrl + path, { method, headers, body: payload, signal: options.signal });
    return { status: response.status, body: (await bodyOf(response)) as T, headers: response.headers };
  }

  /** The bytes of a GET (media), retried while the server answers 503 with a Retry-After (thumbnails being made). */
  async bytes(path: string, options: RequestOptions = {}): Promise<Blob> {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(this.baseUrl + path, { headers: options.token ? { authorization: `Bearer ${options.token}` } : {}, signal: options.signal });
      if (response.ok) return response.blob();
      const error = apiError('GET', path, { status: response.status, body: await bodyOf(response), headers: response.headers });
      if (response.status !== 503 || attempt >= this.fenceRetries) throw error;
      await this.sleep((error.retryAfterSeconds ?? 1) * 1000);
    }
  }

  /** A request that answers its body on 2xx and throws `ApiError` otherwise. */
  async call<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.raw<T>(method, path, body, options);
      if (response.status >= 200 && response.status < 300) return (response.body ?? {}) as T;
      const error = apiError(method, path, response);
      if (error.code === 'projections_behind' && method === 'GET' && attempt < this.fenceRetries) {
        await this.sleep((error.retryAfterSeconds ?? 1) * 1000);
        continue;
      }
      throw error;
    }
  }
}

function apiError(method: string, path: string, response: RawResponse): ApiError {
  const shaped = (response.body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  const retryAfter = Number(response.headers.get('retry-after'));
  const code = typeof shaped?.code === 'string' ? shaped.code : `http_${response.status}`;
  const message =
    typeof shaped?.message === 'string' ? shaped.message : `${method} ${path} answered ${response.status}: ${String(response.body ?? '').slice(0, 200)}`;
  return new ApiError(method, path, response.status, code, shaped?.details ?? null, Number.isFinite(retryAfter) && response.headers.has('retry-after') ? retryAfter : null, message);
}

/** A response's body: parsed when it is JSON, else its text (undefined when empty). */
async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

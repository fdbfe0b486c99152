// Minimal HTTP client for the protocol's routes the benchmark uses.
import { sleep } from './log.js';

export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly route: string,
    readonly status: number,
    readonly body: string,
    readonly retryAfterS: number | null,
  ) {
    super(`${method} ${route} -> ${status} ${body.slice(0, 300)}`);
  }
}

export class Api {
  constructor(readonly httpBase: string) {}

  async call<T>(method: string, route: string, body?: unknown, token?: string, expect: number[] = [200, 201, 202]): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(this.httpBase + route, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!expect.includes(res.status)) {
      const ra = res.headers.get('retry-after');
      throw new ApiError(method, route, res.status, text, ra !== null && Number.isFinite(Number(ra)) ? Number(ra) : null);
    }
    try {
      return (text ? JSON.parse(text) : {}) as T;
    } catch {
      throw new Error(`${method} ${route} -> ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
  }

  /** Retries 429 answers whose Retry-After is short; anything else is thrown. */
  async callRetrying<T>(method: string, route: string, body?: unknown, token?: string, maxWaitS = 65): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.call<T>(method, route, body, token);
      } catch (err) {
        if (err instanceof ApiError && err.status === 429 && attempt < 5) {
          const wait = err.retryAfterS ?? 1;
          if (wait > maxWaitS) throw new Error(`${err.message} (Retry-After ${wait}s is too long for a benchmark: rate limit too tight for dev mode?)`);
          await sleep(wait * 1000 + Math.random() * 200);
          continue;
        }
        throw err;
      }
    }
  }
}

// The protocol's HTTP routes as the benchmark calls them: the client library's request function,
// plus retrying the rate limits of a development server.
import { ApiError, HttpClient } from '../../libs/client/src/http.js';
import { sleep } from './log.js';

export { ApiError };

export class Api {
  // No read-your-writes retries: the benchmark wants to see every 503.
  private readonly http: HttpClient;

  constructor(readonly httpBase: string) {
    this.http = new HttpClient(httpBase, { fenceRetries: 0 });
  }

  call<T>(method: string, route: string, body?: unknown, token?: string): Promise<T> {
    return this.http.call<T>(method, route, body, { token, signal: AbortSignal.timeout(30_000) });
  }

  /** Retries 429 answers whose Retry-After is short; anything else is thrown. */
  async callRetrying<T>(method: string, route: string, body?: unknown, token?: string, maxWaitS = 65): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.call<T>(method, route, body, token);
      } catch (err) {
        if (err instanceof ApiError && err.status === 429 && attempt < 5) {
          const wait = err.retryAfterSeconds ?? 1;
          if (wait > maxWaitS) throw new Error(`${err.message} (Retry-After ${wait}s is too long for a benchmark: rate limit too tight for dev mode?)`);
          await sleep(wait * 1000 + Math.random() * 200);
          continue;
        }
        throw err;
      }
    }
  }
}

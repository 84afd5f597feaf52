/**
 * Posts one JSON message to a webhook (Slack-compatible `{"text": …}`), retried with exponential backoff by
 * cockatiel when the answer may heal (network error, timeout, 429, 5xx) and never when the webhook refused it
 * (another 4xx: a wrong URL stays wrong). Errors never quote the URL: incoming-webhook URLs are secrets.
 */
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';

export interface WebhookPosterOptions {
  timeoutMs?: number;
  /** Tries in all, the first included. */
  maxAttempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export class WebhookError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}

export type WebhookPoster = (url: string, payload: unknown) => Promise<{ attempts: number }>;

export function createWebhookPoster(options: WebhookPosterOptions = {}): WebhookPoster {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const policy = retry(
    handleWhen((error) => error instanceof WebhookError && error.retryable),
    {
      maxAttempts: (options.maxAttempts ?? 3) - 1,
      backoff: new ExponentialBackoff({
        initialDelay: options.initialDelayMs ?? 1_000,
        maxDelay: options.maxDelayMs ?? 10_000,
      }),
    },
  );

  async function postOnce(url: string, body: string): Promise<void> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason =
        error instanceof Error && error.name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : 'connection failed';
      throw new WebhookError(`alert webhook: ${reason}`, true);
    }
    await response.body?.cancel();
    if (response.ok) return;
    const retryable = response.status === 429 || response.status >= 500;
    throw new WebhookError(`alert webhook answered HTTP ${response.status}`, retryable);
  }

  return async (url, payload) => {
    const body = JSON.stringify(payload);
    let attempts = 0;
    await policy.execute(() => {
      attempts += 1;
      return postOnce(url, body);
    });
    return { attempts };
  };
}

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

/** A webhook that has not answered by then is treated as down (and retried). */
const DEFAULT_TIMEOUT_MS = 5_000;
/** Tries in all, the first included: a blip heals, a dead webhook does not hold the alert watch for long. */
const DEFAULT_MAX_ATTEMPTS = 3;
const DEFAULT_FIRST_RETRY_DELAY_MS = 1_000;
const DEFAULT_MAX_RETRY_DELAY_MS = 10_000;

export type WebhookPoster = (url: string, payload: unknown) => Promise<{ attempts: number }>;

export function createWebhookPoster(options: WebhookPosterOptions = {}): WebhookPoster {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const policy = retry(
    handleWhen((error) => error instanceof WebhookError && error.retryable),
    {
      maxAttempts: (options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS) - 1,
      backoff: new ExponentialBackoff({
        initialDelay: options.initialDelayMs ?? DEFAULT_FIRST_RETRY_DELAY_MS,
        maxDelay: options.maxDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS,
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

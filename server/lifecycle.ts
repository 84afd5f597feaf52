import type { Server } from 'node:http';
import type { Logger } from 'pino';

export interface RetryOptions {
  what: string;
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
  logger: Logger;
}

/** Runs `attempt` until it succeeds, waiting longer each time; the last failure is rethrown. */
export async function withRetries<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  let delayMs = options.firstDelayMs;
  for (let tryNumber = 1; ; tryNumber += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (tryNumber >= options.attempts) throw error;
      options.logger.warn(
        { err: error, attempt: tryNumber, of: options.attempts, retryInMs: delayMs },
        `${options.what} not reachable yet, retrying`,
      );
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, options.maxDelayMs);
    }
  }
}

/**
 * Graceful stop: refuse new connections, let in-flight requests finish (up to `graceMs`), then run the
 * cleanup steps in order (flush log writes, close pools). Idle keep-alive sockets are closed at once.
 */
export async function drainHttpServer(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  timer.unref();
  await closed;
  clearTimeout(timer);
}

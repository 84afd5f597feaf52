import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { AppError } from './http/appError.js';

/** Retry-After while the process stops: by then another worker or instance answers. */
const SHUTTING_DOWN_RETRY_AFTER_S = 2;

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

/** The answer to work arriving while the process stops: 503 shutting_down, come back in a moment. */
export function shuttingDownError(): AppError {
  return new AppError('shutting_down', 'The server is restarting. Please try again.', {
    retryAfterS: SHUTTING_DOWN_RETRY_AFTER_S,
    headers: { Connection: 'close' },
  });
}

export interface WorkTracker {
  /** `operation`, tracked until it settles on every call; refused with `shuttingDownError()` once `close()` was called. */
  track<A extends unknown[], T>(operation: (...args: A) => Promise<T>): (...args: A) => Promise<T>;
  /** Refuses new operations, then resolves once every tracked one has settled. */
  close(): Promise<void>;
}

/**
 * Work a graceful stop must wait for even when no connection waits for it any more: a handler goes on after
 * its client hangs up, so a closed HTTP server does not mean its provider calls are done and logged.
 */
export function createWorkTracker(): WorkTracker {
  let closing = false;
  const running = new Set<Promise<unknown>>();
  return {
    track:
      (operation) =>
      (...args) => {
        if (closing) return Promise.reject(shuttingDownError());
        const work = operation(...args);
        running.add(work);
        const forget = () => void running.delete(work);
        work.then(forget, forget);
        return work;
      },
    async close() {
      closing = true;
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

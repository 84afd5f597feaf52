/**
 * The one HTTP exchange the 2Factor client makes per call, behind a small port so tests can stand in for
 * the network.
 *
 * The default runs on undici's `request` with one keep-alive pool per process. Per call it costs about a
 * quarter of the CPU of the global `fetch` (no web streams, no Response objects), which matters when every
 * send and verify makes one. It never follows redirects: a redirect would carry the key (a path segment)
 * to wherever it points, so the client sees the 3xx instead.
 */
import { Agent, errors, request } from 'undici';

export interface HttpExchange {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Covers the whole exchange: connect, headers and body. Past it the call rejects with a `TimeoutError`. */
  timeoutMs: number;
}

export interface HttpAnswer {
  status: number;
  bodyText: string;
}

export type HttpTransport = (exchange: HttpExchange) => Promise<HttpAnswer>;

/** 2Factor answers with a few hundred bytes; a body past this is not an answer and is not read whole. */
export const MAX_ANSWER_BYTES = 64 * 1024;

let sharedPool: Agent | undefined;

/**
 * The process-wide keep-alive pool. Idle sockets do not keep the process alive. Connections are not capped
 * (as with fetch): a cap would queue calls behind slow ones, and the rate ceiling and the timeout already bound them.
 */
function pool(): Agent {
  sharedPool ??= new Agent({ maxResponseSize: MAX_ANSWER_BYTES });
  return sharedPool;
}

/** Thrown when an answer's body runs past MAX_ANSWER_BYTES. */
export class AnswerTooLargeError extends Error {
  override name = 'AnswerTooLargeError';
  constructor() {
    super(`answer larger than ${MAX_ANSWER_BYTES} bytes`);
  }
}

export const undiciTransport: HttpTransport = async ({ method, url, headers, body, timeoutMs }) => {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await request(url, { method, headers, body, signal, dispatcher: pool() });
    // The signal still covers reading the body: a provider that stalls mid-body times out too.
    const bodyText = await response.body.text();
    return { status: response.statusCode, bodyText };
  } catch (error) {
    if (error instanceof errors.ResponseExceededMaxSizeError) throw new AnswerTooLargeError();
    throw error;
  }
};

/**
 * The SMS pumper's client: it asks and does not wait. Each request is written whole on a fresh raw TCP
 * connection, which is closed `hangUpAfterMs` later, long before an answer that needs the provider could
 * arrive. Whatever the server does with such a request (send, refuse, count) the client never learns; the
 * server's limits must hold anyway.
 */
import { connect } from 'node:net';
import { sleep } from './serverProcess.js';

export interface PumpedRequest {
  path: string;
  /** Sent as JSON. */
  body: unknown;
  /** Extra headers (X-Forwarded-For, Cookie, Origin…). */
  headers?: Record<string, string>;
}

export interface HangUpPumpOptions {
  /** The server's loopback port. */
  port: number;
  /** Connections opened side by side, each loop one after the other. */
  loops: number;
  durationMs: number;
  hangUpAfterMs: number;
  /** The n-th request (from 0, across all loops). */
  request: (n: number) => PumpedRequest;
}

export interface HangUpPumpResult {
  /** Requests written in full before the client hung up. */
  written: number;
  /** Connections that failed before the request was written (refused, reset). */
  failed: number;
}

/** `POST path HTTP/1.1` with a JSON body, as one string ready for the socket. */
function rawPost(port: number, request: PumpedRequest): string {
  const payload = JSON.stringify(request.body);
  const headers = {
    Host: `127.0.0.1:${port}`,
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(payload)),
    Connection: 'close',
    ...request.headers,
  };
  const head = [
    `POST ${request.path} HTTP/1.1`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${head.join('\r\n')}\r\n\r\n${payload}`;
}

/** Resolves true once the request was written and the socket destroyed; false if it never got written. */
function writeAndHangUp(port: number, text: string, hangUpAfterMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let written = false;
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(5_000, () => socket.destroy());
    socket.on('error', () => undefined); // a reset after we wrote is expected; before, 'close' reports it
    socket.once('close', () => resolve(written));
    socket.once('connect', () => {
      socket.write(text, (error) => {
        if (error) return socket.destroy();
        written = true;
        setTimeout(() => socket.destroy(), hangUpAfterMs);
      });
    });
  });
}

/** Runs `loops` hang-up loops for `durationMs`, then resolves with what was written. */
export async function pumpHangUps(options: HangUpPumpOptions): Promise<HangUpPumpResult> {
  const result: HangUpPumpResult = { written: 0, failed: 0 };
  const endAt = performance.now() + options.durationMs;
  let next = 0;
  const loop = async () => {
    while (performance.now() < endAt) {
      const ok = await writeAndHangUp(
        options.port,
        rawPost(options.port, options.request(next++)),
        options.hangUpAfterMs,
      );
      if (ok) result.written += 1;
      else {
        result.failed += 1;
        await sleep(10);
      }
    }
  };
  await Promise.all(Array.from({ length: options.loops }, loop));
  return result;
}

/** A distinct made-up client address per request (10.x.y.z), as a botnet behind a trusted proxy looks. */
export function forgedClientIp(n: number): string {
  const value = n + 1;
  return `10.${(value >> 16) & 255}.${(value >> 8) & 255}.${value & 255}`;
}

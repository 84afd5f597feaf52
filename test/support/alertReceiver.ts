/** A local HTTP server standing in for a Slack incoming webhook: records each POST and answers as told. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll } from 'vitest';

export interface AlertReceiver {
  url: string;
  /** Bodies of the requests it answered 2xx, parsed. */
  delivered(): Array<{ text: string }>;
  /** Every request, whatever it answered. */
  requests(): number;
  /** The statuses to answer next, in order; 200 once they are used up. */
  answerNext(...statuses: number[]): void;
  /** Answer every request with this status until told otherwise (undefined: back to 200). */
  answerAlways(status: number | undefined): void;
}

export function useAlertReceiver(): () => AlertReceiver {
  const delivered: Array<{ text: string }> = [];
  let requests = 0;
  let queued: number[] = [];
  let always: number | undefined;
  let url = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests += 1;
      const status = queued.shift() ?? always ?? 200;
      if (status < 300) delivered.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text: string });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/secret-webhook-path`;
  });
  afterEach(() => {
    delivered.length = 0;
    requests = 0;
    queued = [];
    always = undefined;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const receiver: AlertReceiver = {
    get url() {
      return url;
    },
    delivered: () => [...delivered],
    requests: () => requests,
    answerNext: (...statuses) => void queued.push(...statuses),
    answerAlways: (status) => void (always = status),
  };
  return () => receiver;
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AnswerTooLargeError, MAX_ANSWER_BYTES, undiciTransport } from './httpTransport.js';

const servers: Server[] = [];

/** A local HTTP server; `seen` lists every request it got, with the socket it came on. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const seen: Array<{
    method: string;
    url: string;
    body: string;
    port: number | undefined;
    headers: IncomingMessage['headers'];
  }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        body,
        port: req.socket.remotePort,
        headers: req.headers,
      });
      handler(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const GET = { method: 'GET' as const, headers: { accept: 'application/json' }, timeoutMs: 2000 };

describe('undici transport', () => {
  it('returns the status and body text, reusing keep-alive connections', async () => {
    const server = await serve((_req, res) => res.end('{"Status":"Success","Details":"42"}'));
    const answers = [];
    for (let call = 0; call < 6; call++)
      answers.push(await undiciTransport({ ...GET, url: `${server.url}/API/V1/k/BAL/SMS` }));
    expect(new Set(answers.map((answer) => JSON.stringify(answer)))).toEqual(
      new Set([JSON.stringify({ status: 200, bodyText: '{"Status":"Success","Details":"42"}' })]),
    );
    expect(server.seen).toHaveLength(6);
    expect(new Set(server.seen.map((request) => request.port)).size).toBeLessThanOrEqual(2);
    expect(server.seen[0]?.headers.accept).toBe('application/json');
  });

  it('sends a POST body with its headers', async () => {
    const server = await serve((_req, res) => res.end('{}'));
    await undiciTransport({
      method: 'POST',
      url: `${server.url}/API/V1/k/ADDON_SERVICES/SEND/TSMS`,
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'From=ACMEIN&To=919876543210',
      timeoutMs: 2000,
    });
    expect(server.seen[0]).toMatchObject({ method: 'POST', body: 'From=ACMEIN&To=919876543210' });
    expect(server.seen[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('does not follow a redirect: the caller gets the 3xx and the target gets nothing', async () => {
    const elsewhere = await serve((_req, res) => res.end('{}'));
    const server = await serve((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/stolen` });
      res.end();
    });
    const answer = await undiciTransport({ ...GET, url: `${server.url}/API/V1/k/BAL/SMS` });
    expect(answer.status).toBe(302);
    expect(elsewhere.seen).toEqual([]);
  });

  it('times out over the whole exchange, including a body that stalls after the headers', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"Status":');
    });
    const startedAt = performance.now();
    const failure = await undiciTransport({ ...GET, url: `${server.url}/x`, timeoutMs: 150 }).catch(
      (error: unknown) => error,
    );
    expect((failure as Error).name).toBe('TimeoutError');
    expect(performance.now() - startedAt).toBeLessThan(1500);
  });

  it(`refuses to read an answer past ${MAX_ANSWER_BYTES} bytes`, async () => {
    const server = await serve((_req, res) => res.end('x'.repeat(MAX_ANSWER_BYTES + 1)));
    const failure = await undiciTransport({ ...GET, url: `${server.url}/x` }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AnswerTooLargeError);
  });
});

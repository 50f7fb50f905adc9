import { createServer, request, type Server } from 'node:http';

export interface ResetProxy {
  url: string;
  /** Resets the connection of the next `count` requests (TCP RST, no response), or of those whose body `matches`. */
  resetNext(count: number, matches?: (body: string) => boolean): void;
  /** Connections reset so far. */
  resets: number;
  stop(): Promise<void>;
}

/**
 * A reverse proxy in front of a local HTTP server (the local Slack) that can drop
 * connections the way a load balancer or a broken network does: the request arrives, the
 * socket is reset, and the client sees ECONNRESET instead of an answer.
 */
export async function startResetProxy(target: string): Promise<ResetProxy> {
  const upstream = new URL(target);
  let pending: Array<{ count: number; matches?: (body: string) => boolean }> = [];
  const state = { resets: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const reset = pending.find((p) => !p.matches || p.matches(body.toString('utf8')));
      if (reset) {
        reset.count--;
        pending = pending.filter((p) => p.count > 0);
        state.resets++;
        req.socket.resetAndDestroy();
        return;
      }
      const forward = request({ hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', (error) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`proxy: ${error.message}`);
      });
      forward.end(body);
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    resetNext: (count, matches) => {
      if (count > 0) pending.push({ count, ...(matches ? { matches } : {}) });
    },
    get resets() {
      return state.resets;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

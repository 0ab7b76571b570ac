import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readiness } from './readiness.js';
import { statusPageHtml } from './status-page.js';

/** What the endpoints read from the host. */
export interface HttpHandlers {
  title: string;
  /** Liveness: false only when the host has failed for good and should be restarted. */
  alive(): boolean;
  readiness(): Promise<Readiness>;
  metrics(): Promise<{ contentType: string; body: string }>;
  status(): Promise<unknown>;
}

/**
 * The host's HTTP endpoints on node:http (four routes need no framework):
 * `/healthz` liveness, `/readyz` readiness, `/metrics` Prometheus text, `/` the status page and
 * `/status.json` its data.
 */
export class HostHttpServer {
  private readonly server: Server;

  constructor(private readonly handlers: HttpHandlers) {
    this.server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://host').pathname;
      this.route(req.method ?? 'GET', path, res).catch((error) => {
        if (!res.headersSent) send(res, 500, 'text/plain', `internal error: ${(error as Error).message}\n`);
        else res.end();
      });
    });
    // Probes and scrapes are short; idle keep-alive sockets must not hold up shutdown.
    this.server.keepAliveTimeout = 2_000;
  }

  /** Listens; resolves with the bound address (port 0 picks a free one). */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async route(method: string, path: string, res: ServerResponse): Promise<void> {
    if (method !== 'GET' && method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
    switch (path) {
      case '/healthz': {
        const alive = this.handlers.alive();
        return send(res, alive ? 200 : 503, 'application/json', JSON.stringify({ alive }));
      }
      case '/readyz': {
        const r = await this.handlers.readiness();
        return send(res, r.ready ? 200 : 503, 'application/json', JSON.stringify(r));
      }
      case '/metrics': {
        const m = await this.handlers.metrics();
        return send(res, 200, m.contentType, m.body);
      }
      case '/status.json':
        return send(res, 200, 'application/json', JSON.stringify(await this.handlers.status()));
      case '/':
      case '/status':
        return send(res, 200, 'text/html; charset=utf-8', statusPageHtml(this.handlers.title));
      default:
        return send(res, 404, 'text/plain', 'not found\n');
    }
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

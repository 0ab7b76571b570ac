import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeDocument, FakeIndex } from './fake-index.js';
import { type FakeRequest, routeRequest } from './fake-routes.js';
import { FakeTaskQueue } from './fake-tasks.js';
import { isMeiliError, meiliErrors } from './meili-error.js';

export interface FakeMeilisearchOptions {
  /** The master key; when set, every route but `/health` needs `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** How long processing one task takes (default 5 ms). */
  processingMs?: number;
  /** Port to listen on (default: any free port on 127.0.0.1). */
  port?: number;
}

/** One request the fake received, for counting in tests. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

/**
 * An in-process HTTP fake of the Meilisearch endpoints search-sync uses, for tests on machines where no
 * Meilisearch server can run. It keeps real state and answers like Meilisearch: writes become tasks
 * processed one at a time after the response, documents merge on `PUT` and are replaced on `POST`,
 * `skipCreation` skips unknown ids, settings are stored per index, errors carry `{message, code, type,
 * link}`, and a master key is checked on every request.
 */
export class FakeMeilisearch {
  /** Indexes by uid. */
  readonly indexes = new Map<string, FakeIndex>();
  /** The task queue; `failNext`, `pause` and `resume` steer it in tests. */
  readonly tasks: FakeTaskQueue;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  /**
   * Milliseconds this process spent on the fake's own work: reading and parsing request bodies, routing,
   * answering, and processing tasks. Benches subtract it, since a real Meilisearch does this elsewhere.
   */
  get busyMs(): number {
    return this.handlingMs + this.tasks.busyMs;
  }
  private handlingMs = 0;
  private server: Server | null = null;
  private down = false;
  private url = '';

  constructor(private readonly options: FakeMeilisearchOptions = {}) {
    this.tasks = new FakeTaskQueue(options.processingMs ?? 5);
  }

  /** Starts a fake on a free port. */
  static async start(options: FakeMeilisearchOptions = {}): Promise<FakeMeilisearch> {
    const fake = new FakeMeilisearch(options);
    await fake.listen();
    return fake;
  }

  /** Base URL to give the client, e.g. `http://127.0.0.1:41234`. */
  get host(): string {
    return this.url;
  }

  get apiKey(): string | undefined {
    return this.options.apiKey;
  }

  /** The stored documents of an index, ordered by id (empty when the index does not exist). */
  documents(uid: string): FakeDocument[] {
    const index = this.indexes.get(uid);
    if (!index) return [];
    return [...index.documents.entries()]
      .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
      .map(([, doc]) => doc);
  }

  /** One stored document, or undefined. */
  document(uid: string, id: string | number): FakeDocument | undefined {
    return this.indexes.get(uid)?.documents.get(String(id));
  }

  /** Requests whose method and path match, e.g. `count('PUT', /\/documents$/)`. */
  count(method: string, path: RegExp): number {
    return this.requests.filter((r) => r.method === method && path.test(r.path)).length;
  }

  /** While on, every connection is dropped without an answer, as when the server is down. */
  outage(on: boolean): void {
    this.down = on;
  }

  async listen(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.tasks.stop();
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.down) {
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query, status: 0 };
    this.requests.push(record);
    let status = 200;
    let body: unknown;
    let t0 = 0;
    try {
      const raw = await readBody(req, (ms) => {
        this.handlingMs += ms;
      });
      t0 = performance.now();
      if (url.pathname !== '/health') this.checkKey(req);
      const request: FakeRequest = {
        method: record.method,
        path: url.pathname,
        query,
        body: parseBody(req, raw),
      };
      const answer = routeRequest(this, request);
      status = answer.status;
      body = answer.body;
    } catch (error) {
      const e = isMeiliError(error) ? error : meiliErrors.internal(String(error));
      status = e.status;
      body = e.body;
    }
    record.status = status;
    if (body === undefined) res.writeHead(status).end();
    else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (t0) this.handlingMs += performance.now() - t0;
  }

  private checkKey(req: IncomingMessage): void {
    const key = this.options.apiKey;
    if (key === undefined) return;
    const header = req.headers.authorization;
    if (!header) throw meiliErrors.missingAuthorizationHeader();
    const [scheme, token] = header.split(' ');
    if (scheme !== 'Bearer' || token !== key) throw meiliErrors.invalidApiKey();
  }
}

function readBody(req: IncomingMessage, spent: (ms: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const t0 = performance.now();
      const text = Buffer.concat(chunks).toString('utf8');
      spent(performance.now() - t0);
      resolve(text);
    });
    req.on('error', reject);
  });
}

function parseBody(req: IncomingMessage, raw: string): unknown {
  if (req.method === 'GET' || req.method === 'DELETE' || raw === '') return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (type !== 'application/json') throw meiliErrors.invalidContentType(type);
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw meiliErrors.malformedPayload((error as Error).message);
  }
}

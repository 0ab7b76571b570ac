import { compileFilter } from './document-filter.js';
import { type FakeDocument, FakeIndex, type FakeSettings } from './fake-index.js';
import type { FakeMeilisearch } from './fake-meilisearch.js';
import { meiliErrors } from './meili-error.js';

/** A parsed request, as the router sees it. */
export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

/** The answer: a status and a JSON body (none for an unknown route, as Meilisearch answers). */
export interface FakeAnswer {
  status: number;
  body?: unknown;
}

const INDEX_UID = /^[A-Za-z0-9_-]{1,512}$/;
const SETTING_ROUTES: Record<string, string> = {
  'filterable-attributes': 'filterableAttributes',
  'sortable-attributes': 'sortableAttributes',
};

/** Routes one request of the endpoints the fake supports. */
export function routeRequest(fake: FakeMeilisearch, req: FakeRequest): FakeAnswer {
  const parts = req.path.split('/').filter(Boolean).map(decodeURIComponent);
  // The route with its parameters blanked: the index uid or task uid, and a document id.
  const isParam = (p: string, i: number) =>
    i === 1 || (i === 3 && parts[2] === 'documents' && p !== 'fetch' && p !== 'delete-batch');
  const route = `${req.method} /${parts.map((p, i) => (isParam(p, i) ? ':' : p)).join('/')}`;
  const uid = parts[1] ?? '';
  if (parts[0] === 'indexes' && uid && !INDEX_UID.test(uid)) throw meiliErrors.invalidIndexUid(uid);
  const ok = (body: unknown, status = 200): FakeAnswer => ({ status, body });
  const existing = () => {
    const index = fake.indexes.get(uid);
    if (!index) throw meiliErrors.indexNotFound(uid);
    return index;
  };
  const orCreate = (primaryKey?: string) => {
    const found = fake.indexes.get(uid);
    if (found) return found;
    const created = new FakeIndex(uid, primaryKey ?? null);
    fake.indexes.set(uid, created);
    return created;
  };
  const enqueue = (type: string, details: Record<string, unknown>, work: () => Record<string, unknown>) =>
    ok(fake.tasks.enqueue(uid, type, details, work), 202);

  switch (route) {
    case 'GET /health':
      return ok({ status: 'available' });
    case 'GET /version':
      return ok({ commitSha: 'fake', commitDate: 'fake', pkgVersion: '1.19.0' });
    case 'GET /tasks/:': {
      const task = fake.tasks.get(Number(uid));
      if (!/^\d+$/.test(uid) || !task) throw meiliErrors.taskNotFound(uid);
      return ok(task);
    }
    case 'POST /indexes': {
      const body = req.body as { uid?: string; primaryKey?: string } | undefined;
      const newUid = body?.uid;
      if (typeof newUid !== 'string') throw meiliErrors.badRequest('Missing field `uid`');
      if (!INDEX_UID.test(newUid)) throw meiliErrors.invalidIndexUid(newUid);
      const details = { primaryKey: body?.primaryKey ?? null };
      return ok(
        fake.tasks.enqueue(newUid, 'indexCreation', details, () => {
          if (fake.indexes.has(newUid)) throw meiliErrors.indexAlreadyExists(newUid);
          fake.indexes.set(newUid, new FakeIndex(newUid, body?.primaryKey ?? null));
          return details;
        }),
        202,
      );
    }
    case 'GET /indexes/:': {
      const index = existing();
      const { primaryKey, createdAt, updatedAt } = index;
      return ok({ uid, primaryKey, createdAt, updatedAt });
    }
    case 'DELETE /indexes/:':
      return enqueue('indexDeletion', { deletedDocuments: null }, () => {
        const deletedDocuments = existing().documents.size;
        fake.indexes.delete(uid);
        return { deletedDocuments };
      });
    case 'GET /indexes/:/documents':
      return ok(page(existing(), req.query));
    case 'POST /indexes/:/documents/fetch': {
      const body = (req.body ?? {}) as Record<string, unknown>;
      return ok(page(existing(), body));
    }
    case 'GET /indexes/:/documents/:': {
      const doc = existing().documents.get(parts[3]!);
      if (!doc) throw meiliErrors.documentNotFound(parts[3]!);
      return ok(pick(doc, req.query.fields));
    }
    case 'POST /indexes/:/documents':
    case 'PUT /indexes/:/documents': {
      const documents = documentsOf(req.body);
      const merge = req.method === 'PUT';
      const primaryKey = req.query.primaryKey;
      const skipCreation = req.query.skipCreation === 'true';
      return enqueue(
        'documentAdditionOrUpdate',
        { receivedDocuments: documents.length, indexedDocuments: null },
        () => orCreate().write(documents, { merge, primaryKey, skipCreation }),
      );
    }
    case 'POST /indexes/:/documents/delete-batch': {
      if (!Array.isArray(req.body)) throw meiliErrors.badRequest('Invalid value type: expected an array');
      const ids = req.body as (string | number)[];
      return enqueue(
        'documentDeletion',
        { providedIds: ids.length, deletedDocuments: null, originalFilter: null },
        () => existing().delete(ids),
      );
    }
    case 'DELETE /indexes/:/documents/:':
      return enqueue(
        'documentDeletion',
        { providedIds: 1, deletedDocuments: null, originalFilter: null },
        () => existing().delete([parts[3]!]),
      );
    case 'GET /indexes/:/settings':
      return ok(existing().settings);
    case 'PATCH /indexes/:/settings': {
      const patch = checkSettings(req.body);
      return enqueue('settingsUpdate', { ...patch }, () => {
        const index = orCreate();
        index.settings = { ...index.settings, ...patch } as FakeSettings;
        return {};
      });
    }
    default: {
      const setting = SETTING_ROUTES[parts[3] ?? ''];
      if (parts[0] === 'indexes' && parts[2] === 'settings' && setting && parts.length === 4) {
        if (req.method === 'GET') return ok(existing().settings[setting]);
        if (req.method === 'PUT') {
          const patch = checkSettings({ [setting]: req.body });
          return enqueue('settingsUpdate', { ...patch }, () => {
            const index = orCreate();
            index.settings = { ...index.settings, ...patch } as FakeSettings;
            return {};
          });
        }
      }
      return { status: 404 };
    }
  }
}

function documentsOf(body: unknown): FakeDocument[] {
  if (body === undefined) throw meiliErrors.missingPayload();
  const docs = Array.isArray(body) ? body : [body];
  for (const doc of docs) {
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      throw meiliErrors.malformedPayload('expected an object or an array of objects');
    }
  }
  return docs as FakeDocument[];
}

/** Validates a settings patch the way Meilisearch deserializes it: unknown fields and bad types are 400s. */
function checkSettings(body: unknown): Partial<FakeSettings> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw meiliErrors.badRequest('Invalid value type: expected an object');
  }
  const known = Object.keys(new FakeIndex('x').settings);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    if (!known.includes(name)) {
      throw meiliErrors.badRequest(
        `Unknown field \`${name}\`: expected one of ${known.map((k) => `\`${k}\``).join(', ')}`,
      );
    }
    if (name === 'filterableAttributes' || name === 'sortableAttributes') {
      const code = `invalid_settings_${name === 'filterableAttributes' ? 'filterable' : 'sortable'}_attributes`;
      if (value === null) {
        out[name] = [];
        continue;
      }
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
        throw meiliErrors.invalidSetting(
          name,
          code,
          `expected an array of strings, but found \`${JSON.stringify(value)}\``,
        );
      }
      out[name] = [...new Set(value as string[])].sort();
      continue;
    }
    out[name] = value;
  }
  return out as Partial<FakeSettings>;
}

function page(index: FakeIndex, params: Record<string, unknown>) {
  const limit = params.limit === undefined ? 20 : Number(params.limit);
  const offset = params.offset === undefined ? 0 : Number(params.offset);
  let docs = [...index.documents.entries()];
  if (Array.isArray(params.ids)) {
    const wanted = new Set((params.ids as unknown[]).map(String));
    docs = docs.filter(([id]) => wanted.has(id));
  }
  if (typeof params.filter === 'string' && params.filter.trim() !== '') {
    const keep = compileFilter(params.filter, index.settings.filterableAttributes);
    docs = docs.filter(([, d]) => keep(d));
  }
  const fields = Array.isArray(params.fields)
    ? params.fields.join(',')
    : (params.fields as string | undefined);
  return {
    results: docs.slice(offset, offset + limit).map(([, d]) => pick(d, fields)),
    offset,
    limit,
    total: docs.length,
  };
}

function pick(doc: FakeDocument, fields: string | undefined): FakeDocument {
  if (!fields || fields === '*') return doc;
  const names = fields.split(',');
  return Object.fromEntries(Object.entries(doc).filter(([k]) => names.includes(k)));
}

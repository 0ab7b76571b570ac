import { meiliErrors } from './meili-error.js';

/** A stored document. */
export type FakeDocument = Record<string, unknown>;

/** The settings the fake keeps and returns; writes may patch any of them. */
export type FakeSettings = Record<string, unknown> & {
  filterableAttributes: string[];
  sortableAttributes: string[];
};

/** Settings of a fresh index, as `GET /indexes/{uid}/settings` returns them. */
export function defaultSettings(): FakeSettings {
  return {
    displayedAttributes: ['*'],
    searchableAttributes: ['*'],
    filterableAttributes: [],
    sortableAttributes: [],
    rankingRules: ['words', 'typo', 'proximity', 'attributeRank', 'sort', 'wordPosition', 'exactness'],
    stopWords: [],
    nonSeparatorTokens: [],
    separatorTokens: [],
    dictionary: [],
    synonyms: {},
    distinctAttribute: null,
    proximityPrecision: 'byWord',
    typoTolerance: {
      enabled: true,
      minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 },
      disableOnWords: [],
      disableOnAttributes: [],
    },
    faceting: { maxValuesPerFacet: 100, sortFacetValuesBy: { '*': 'alpha' } },
    pagination: { maxTotalHits: 1000 },
    searchCutoffMs: null,
    localizedAttributes: null,
    facetSearch: true,
    prefixSearch: 'indexingTime',
  };
}

const DOCUMENT_ID = /^[A-Za-z0-9_-]{1,511}$/;

/**
 * One index: its primary key, settings and documents keyed by the id's text (Meilisearch treats `1` and
 * `"1"` as the same document). Writes are all-or-nothing, as a Meilisearch task is: documents are checked
 * first and nothing is stored if one is invalid.
 */
export class FakeIndex {
  readonly documents = new Map<string, FakeDocument>();
  settings: FakeSettings = defaultSettings();
  readonly createdAt = new Date();
  updatedAt = new Date();

  constructor(
    readonly uid: string,
    public primaryKey: string | null = null,
  ) {}

  /** Adds documents, replacing (`POST`) or merging top-level fields into (`PUT`) existing ones. */
  write(
    documents: FakeDocument[],
    options: { merge: boolean; primaryKey?: string; skipCreation?: boolean },
  ): { indexedDocuments: number } {
    const key = this.resolvePrimaryKey(documents, options.primaryKey);
    const keyed = documents.map((doc) => [documentKey(doc, key), doc] as const);
    let indexed = 0;
    for (const [id, doc] of keyed) {
      const existing = this.documents.get(id);
      if (!existing && options.skipCreation) continue;
      this.documents.set(id, options.merge && existing ? merged(existing, doc) : { ...doc });
      indexed++;
    }
    this.updatedAt = new Date();
    return { indexedDocuments: indexed };
  }

  /** Deletes documents by id; unknown ids are ignored. */
  delete(ids: readonly (string | number)[]): { deletedDocuments: number } {
    let deleted = 0;
    for (const id of ids) if (this.documents.delete(String(id))) deleted++;
    if (deleted) this.updatedAt = new Date();
    return { deletedDocuments: deleted };
  }

  private resolvePrimaryKey(documents: FakeDocument[], requested: string | undefined): string {
    if (this.primaryKey) {
      if (requested && requested !== this.primaryKey) {
        throw meiliErrors.primaryKeyAlreadyExists(this.uid, this.primaryKey);
      }
      return this.primaryKey;
    }
    if (requested) {
      this.primaryKey = requested;
      return requested;
    }
    const first = documents[0];
    if (!first) throw meiliErrors.primaryKeyNoCandidate();
    const candidates = Object.keys(first).filter((k) => k.toLowerCase().endsWith('id'));
    if (candidates.length === 0) throw meiliErrors.primaryKeyNoCandidate();
    if (candidates.length > 1) throw meiliErrors.primaryKeyMultipleCandidates(candidates);
    this.primaryKey = candidates[0]!;
    return this.primaryKey;
  }
}

/** The text key of a document's id, or the error Meilisearch fails the task with. */
/**
 * `existing` with `doc`'s top-level fields over it, as `{ ...existing, ...doc }` gives. Not written as that
 * spread: V8 builds it ~10x slower when the two shapes differ (a stored `{id, url}` merged with a 50-field
 * metrics update took ~100 µs per document, most of a 10k-id flush in the benches). `Object.assign` sets
 * fields instead of defining them, which differs only for a `__proto__` field: that one keeps the spread.
 */
function merged(existing: FakeDocument, doc: FakeDocument): FakeDocument {
  return Object.hasOwn(doc, '__proto__') ? { ...existing, ...doc } : Object.assign({}, existing, doc);
}

function documentKey(doc: FakeDocument, primaryKey: string): string {
  if (!(primaryKey in doc)) throw meiliErrors.missingDocumentId(primaryKey, doc);
  const value = doc[primaryKey];
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && DOCUMENT_ID.test(value)) return value;
  throw meiliErrors.invalidDocumentId(value);
}

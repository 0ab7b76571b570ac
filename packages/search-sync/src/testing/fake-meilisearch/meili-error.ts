/** Meilisearch's error types, as it reports them in the `type` field. */
export type MeiliErrorType = 'invalid_request' | 'internal' | 'auth' | 'system';

/** The body Meilisearch sends with every error, and stores on failed tasks. */
export interface MeiliErrorBody {
  message: string;
  code: string;
  type: MeiliErrorType;
  link: string;
}

/** An error the fake answers with: an HTTP status and Meilisearch's error body. */
export class MeiliError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly type: MeiliErrorType,
    message: string,
  ) {
    super(message);
  }

  /** The JSON body, with the documentation link Meilisearch derives from the code. */
  get body(): MeiliErrorBody {
    return {
      message: this.message,
      code: this.code,
      type: this.type,
      link: `https://docs.meilisearch.com/errors#${this.code}`,
    };
  }
}

/** The errors the fake produces, worded as Meilisearch words them. */
export const meiliErrors = {
  missingAuthorizationHeader: () =>
    new MeiliError(
      401,
      'missing_authorization_header',
      'auth',
      'The Authorization header is missing. It must use the bearer authorization method.',
    ),
  invalidApiKey: () => new MeiliError(403, 'invalid_api_key', 'auth', 'The provided API key is invalid.'),
  indexNotFound: (uid: string) =>
    new MeiliError(404, 'index_not_found', 'invalid_request', `Index \`${uid}\` not found.`),
  indexAlreadyExists: (uid: string) =>
    new MeiliError(409, 'index_already_exists', 'invalid_request', `Index \`${uid}\` already exists.`),
  invalidIndexUid: (uid: string) =>
    new MeiliError(
      400,
      'invalid_index_uid',
      'invalid_request',
      `\`${uid}\` is not a valid index uid. Index uid can be an integer or a string containing only alphanumeric characters, hyphens (-) and underscores (_), and can not be more than 512 bytes.`,
    ),
  documentNotFound: (id: string) =>
    new MeiliError(404, 'document_not_found', 'invalid_request', `Document \`${id}\` not found.`),
  taskNotFound: (uid: string) =>
    new MeiliError(404, 'task_not_found', 'invalid_request', `Task \`${uid}\` not found.`),
  malformedPayload: (detail: string) =>
    new MeiliError(
      400,
      'malformed_payload',
      'invalid_request',
      `The json payload provided is malformed. \`${detail}\`.`,
    ),
  missingPayload: () =>
    new MeiliError(400, 'missing_payload', 'invalid_request', 'A json payload is missing.'),
  invalidContentType: (given: string) =>
    new MeiliError(
      415,
      'invalid_content_type',
      'invalid_request',
      `The Content-Type \`${given}\` is invalid. Accepted values for the Content-Type header are: \`application/json\``,
    ),
  badRequest: (message: string) => new MeiliError(400, 'bad_request', 'invalid_request', message),
  invalidSetting: (name: string, code: string, message: string) =>
    new MeiliError(400, code, 'invalid_request', `Invalid value type at \`.${name}\`: ${message}`),
  missingDocumentId: (primaryKey: string, doc: unknown) =>
    new MeiliError(
      400,
      'missing_document_id',
      'invalid_request',
      `Document doesn't have a \`${primaryKey}\` attribute: \`${JSON.stringify(doc)}\`.`,
    ),
  invalidDocumentId: (value: unknown) =>
    new MeiliError(
      400,
      'invalid_document_id',
      'invalid_request',
      `Document identifier \`${JSON.stringify(value)}\` is invalid. A document identifier can be of type integer or string, only composed of alphanumeric characters (a-z A-Z 0-9), hyphens (-) and underscores (_), and can not be more than 511 bytes.`,
    ),
  primaryKeyNoCandidate: () =>
    new MeiliError(
      400,
      'index_primary_key_no_candidate_found',
      'invalid_request',
      'The primary key inference failed as the engine did not find any field ending with `id` in its name. Please specify the primary key manually using the `primaryKey` query parameter.',
    ),
  primaryKeyMultipleCandidates: (candidates: string[]) =>
    new MeiliError(
      400,
      'index_primary_key_multiple_candidates_found',
      'invalid_request',
      `The primary key inference failed as the engine found ${candidates.length} fields ending with \`id\` in their names: ${candidates.map((c) => `'${c}'`).join(' and ')}. Please specify the primary key manually using the \`primaryKey\` query parameter.`,
    ),
  primaryKeyAlreadyExists: (uid: string, primaryKey: string) =>
    new MeiliError(
      400,
      'index_primary_key_already_exists',
      'invalid_request',
      `Index \`${uid}\`: Index already has a primary key: \`${primaryKey}\`.`,
    ),
  invalidDocumentFilter: (message: string) =>
    new MeiliError(400, 'invalid_document_filter', 'invalid_request', message),
  internal: (message: string) => new MeiliError(500, 'internal', 'internal', message),
};

/** True for errors the fake answers or fails a task with. */
export const isMeiliError = (e: unknown): e is MeiliError => e instanceof MeiliError;

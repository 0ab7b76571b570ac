/**
 * A typed dependency token. It carries the type of what it resolves to, so `deps: { images: imagesToken }`
 * arrives in a handler as an instance of that type, and it prints its id in errors.
 */
export interface Token<T> {
  readonly id: string;
  /** Phantom field: never set at runtime, it only carries `T` for the type checker. */
  readonly __type?: T;
  /** The key the host's container registers this token under. */
  readonly key: symbol;
}

/** Creates a token; ids are namespaced by convention, e.g. `media.imageLookup`. */
export function createToken<T>(id: string): Token<T> {
  if (!/^[a-z][\w-]*(\.[\w-]+)+$/i.test(id)) {
    throw new TypeError(`token id "${id}" must be namespaced, e.g. "media.imageLookup"`);
  }
  return Object.freeze({ id, key: Symbol.for(`eventBus.token:${id}`), toString: () => `Token(${id})` });
}

/** A map of named tokens, as declared in a listener's or service's `deps`. */
export type DepsMap = Record<string, Token<unknown>>;

/** The resolved instances of a `DepsMap`. */
export type ResolvedDeps<D extends DepsMap> = { [K in keyof D]: D[K] extends Token<infer T> ? T : never };

// The local stack's settings, provided to integration tests by infra/test/global-setup.ts.
declare module 'vitest' {
  export interface ProvidedContext {
    stackEnv: Record<string, string>;
  }
}

export {};

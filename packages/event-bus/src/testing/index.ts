/** Test kit for listener authors: event builders, in-memory sinks, a test host. */
export {};

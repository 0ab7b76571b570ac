/**
 * The event-bus contract: change events, listeners, plugins and typed tokens.
 * Implementations (Kafka, sinks, test kit) live behind subpath exports.
 */
export const CONTRACT_VERSION = 1 as const;

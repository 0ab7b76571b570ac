import { writeFileSync } from 'node:fs';

/**
 * Kafka and Connect log through slf4j -> log4j2; without a config file log4j2 prints only
 * errors and a warning about the missing file, which leaves nothing to read when a part fails.
 * Everything goes to stdout, which the stack redirects into the part's log file.
 */
export function writeLog4jConfig(file: string, extraLoggers: Record<string, string> = {}): void {
  const lines = [
    'status = warn',
    'appender.out.type = Console',
    'appender.out.name = out',
    'appender.out.layout.type = PatternLayout',
    'appender.out.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.out.ref = out',
  ];
  Object.entries(extraLoggers).forEach(([logger, level], i) => {
    lines.push(`logger.l${i}.name = ${logger}`, `logger.l${i}.level = ${level}`);
  });
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** JVM flags shared by the broker and the Connect worker. */
export function jvmFlags(log4jConfig: string, heap: string): string[] {
  return [
    `-Xms${heap}`,
    `-Xmx${heap}`,
    '-XX:+UseG1GC',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jConfig}`,
  ];
}

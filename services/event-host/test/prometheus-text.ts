/** One sample of a Prometheus text exposition. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses the Prometheus text format (0.0.4) strictly: every line is a comment, HELP, TYPE or a sample
 * `name{label="value",...} number`; samples must follow the TYPE of their family. Throws on anything else.
 */
export function parsePrometheus(text: string): { types: Map<string, string>; samples: PromSample[] } {
  const types = new Map<string, string>();
  const samples: PromSample[] = [];
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sampleLine = new RegExp(`^(${NAME})(\\{(.*)\\})? (-?[0-9.e+-]+|NaN|[+-]Inf)( -?\\d+)?$`);
  const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const typeMatch = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (typeMatch) {
      types.set(typeMatch[1]!, typeMatch[2]!);
      return;
    }
    if (new RegExp(`^# HELP ${NAME} .*$`).test(line) || line.startsWith('# ')) return;
    const m = sampleLine.exec(line);
    if (!m) throw new Error(`line ${i + 1} is not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      labelPair.lastIndex = 0;
      while (labelPair.lastIndex < m[3].length) {
        const l = labelPair.exec(m[3]);
        if (!l) throw new Error(`line ${i + 1} has malformed labels: ${line}`);
        labels[l[1]!] = l[2]!;
      }
    }
    const family = [...types.keys()].find(
      (t) => m[1] === t || m[1]!.replace(/_(bucket|sum|count)$/, '') === t,
    );
    if (!family) throw new Error(`line ${i + 1}: sample ${m[1]} has no TYPE before it`);
    samples.push({ name: m[1]!, labels, value: Number(m[4]) });
  });
  return { types, samples };
}

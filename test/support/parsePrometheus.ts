/** One sample of Prometheus' text exposition format: `name{label="value",…} 1.5`. */
export type PrometheusSample = { name: string; labels: Record<string, string>; value: number };

export type PrometheusText = {
  samples: PrometheusSample[];
  /** `# TYPE` of each metric family. */
  types: Record<string, string>;
  /** The value of the one sample with this name whose labels include `labels`; undefined when none, throws when several. */
  value: (name: string, labels?: Record<string, string>) => number | undefined;
};

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g;

/** Parses what a `/metrics` endpoint answers; a line that is neither a comment nor a sample fails the parse. */
export function parsePrometheus(text: string): PrometheusText {
  const samples: PrometheusSample[] = [];
  const types: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types[type[1] as string] = type[2] as string;
      continue;
    }
    if (line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? "").matchAll(LABEL))
      labels[key as string] = (raw as string).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    const rawValue = match[3] as string;
    const value = rawValue === "+Inf" ? Infinity : rawValue === "-Inf" ? -Infinity : Number(rawValue);
    samples.push({ name: match[1] as string, labels, value });
  }
  return {
    samples,
    types,
    value: (name, labels = {}) => {
      const found = samples.filter(
        (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
      );
      if (found.length > 1)
        throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
      return found[0]?.value;
    },
  };
}

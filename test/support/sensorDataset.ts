/** A day of 15-minute soil-moisture readings as GraphQL input, with chosen slots missing or late. */
export type SensorDatasetParameters = {
  windowStart?: string;
  missing?: number[];
  late?: number[];
  /** Shifts every value: distinct offsets give distinct dataset commitments. */
  offset?: number;
};

export function sensorDataset({
  windowStart = "2026-06-01T00:00:00Z",
  missing = [],
  late = [],
  offset = 0,
}: SensorDatasetParameters = {}) {
  const start = Date.parse(windowStart) / 1000;
  const iso = (s: number) => new Date(s * 1000).toISOString().replace(".000Z", "Z");
  const readings = [];
  for (let i = 0; i < 96; i++) {
    if (missing.includes(i)) continue;
    const observedAt = start + i * 900 + 30;
    readings.push({
      observedAt: iso(observedAt),
      value: Math.round((31.5 + 4 * Math.sin(i / 15) + offset) * 1000) / 1000,
      deliveredAt: iso(observedAt + (late.includes(i) ? 1800 : 45)),
    });
  }
  return { windowStart, slotSeconds: 900, deadlineSeconds: 600, readings };
}

import type { FaultReading } from "../../models/fault/faultModelRuntime.js";
import { BadUserInputError } from "../errors.js";

/** A window of readings is tens to hundreds (6 h at 10 min is 36); this bounds the request, not the model. */
export const MAX_FAULT_READINGS = 5_000;

/** Celsius bounds of a physical temperature (as the fault-warning trainer checks its input). */
const MIN_CELSIUS = -273.15;
const MAX_CELSIUS = 5_000;

export type FaultReadingInput = { at: number; temperatureC: number };

/**
 * The readings an enterprise sends to `invokeFaultModel`, checked before anything is hashed, signed or run: 1 to
 * MAX_FAULT_READINGS readings, each at a whole unix second, strictly later than the previous one, with a finite,
 * physical temperature; and, given the model's window, spanning no more than it (the features are computed over
 * one window). BAD_USER_INPUT names the field (`readings[3].at`). Returns them as the model runtime takes them.
 */
export function checkFaultReadings(
  readings: readonly FaultReadingInput[] | null | undefined,
  { windowSeconds }: { windowSeconds?: number | undefined } = {},
): FaultReading[] {
  if (!Array.isArray(readings) || readings.length === 0)
    throw new BadUserInputError("readings", "must list at least one reading");
  if (readings.length > MAX_FAULT_READINGS)
    throw new BadUserInputError("readings", `must list at most ${MAX_FAULT_READINGS} readings (one window)`);
  let previous = Number.NEGATIVE_INFINITY;
  const checked = readings.map((reading, i) => {
    const at = reading?.at;
    const temperatureC = reading?.temperatureC;
    if (typeof at !== "number" || !Number.isSafeInteger(at) || at < 0)
      throw new BadUserInputError(`readings[${i}].at`, "must be a whole number of unix seconds");
    if (at <= previous)
      throw new BadUserInputError(
        `readings[${i}].at`,
        "must be later than the previous reading (time order)",
      );
    previous = at;
    if (typeof temperatureC !== "number" || !Number.isFinite(temperatureC))
      throw new BadUserInputError(`readings[${i}].temperatureC`, "must be a finite number");
    if (temperatureC < MIN_CELSIUS || temperatureC > MAX_CELSIUS)
      throw new BadUserInputError(
        `readings[${i}].temperatureC`,
        `must be between ${MIN_CELSIUS} and ${MAX_CELSIUS} °C`,
      );
    return { at, temperatureC };
  });
  const span = (checked.at(-1)?.at ?? 0) - (checked[0]?.at ?? 0);
  if (windowSeconds !== undefined && span > windowSeconds)
    throw new BadUserInputError(
      "readings",
      `span ${span} s, more than the model's window of ${windowSeconds} s: send the one window to predict from`,
    );
  return checked;
}

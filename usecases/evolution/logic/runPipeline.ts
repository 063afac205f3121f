import { LOGIC_OPERATORS, type LogicOperator } from "./logicOperators.js";
import type { PipelineModule } from "./parseLogicModule.js";
import type { TimeSeries } from "./timeSeries.js";

/** Runs a parsed pipeline's steps in order over a parsed series; pure (the input is not mutated). */
export function runPipeline(module: PipelineModule, series: TimeSeries): TimeSeries {
  let current = series;
  for (const step of module.steps) {
    const operator = LOGIC_OPERATORS[step.op] as LogicOperator<typeof step.parameters>;
    current = operator.apply(current, step.parameters);
  }
  return current;
}

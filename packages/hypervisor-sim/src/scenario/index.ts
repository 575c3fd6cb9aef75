/**
 * Scenario files (docs/scenarios.md): the format's types, loading and
 * checking (JSON or YAML, against scenario.schema.json and the rules it cannot express), and the runner,
 * which takes any simulator backend.
 */
// The whole scenario format is public: a scenario written in TypeScript is typed by it.
export type * from './types.js';
export { loadScenarioFile, validateScenario, parseScenarioText, formatProblem, ScenarioError, SCENARIO_SCHEMA_PATH } from './load.js';
export {
  prepareScenario,
  type PreparedScenario,
  type PreparedStep,
  type PreparedDomain,
  type PreparedAction,
  type HypercallPlan,
  type ScenarioProblem,
  type ScenarioOverrides,
  type PrepareResult,
} from './prepare.js';
export { runScenario, hypervisorForScenario, type RunOptions } from './runner.js';

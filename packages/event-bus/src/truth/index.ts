/** Truth per metric: collecting the listeners' declared truths and running them against the source. */
export {
  type ReadTruthOptions,
  readTruth,
  type TruthQueryable,
  type TruthRow,
} from './read-truth.js';
export {
  metricsOf,
  type NotReconcilable,
  type PlannedTruth,
  type TruthPlan,
  truthPlan,
} from './truth-plan.js';

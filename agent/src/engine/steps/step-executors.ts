import type { StepExecutor } from "../engine-context.js";
import type { JobStep } from "../journal.js";
import { drainStep } from "./drain-step.js";
import {
  awaitReadyStep,
  commitStep,
  fetchStep,
  postHookStep,
  preHookStep,
  startStep,
  stopStep,
  switchStep,
  unpackStep,
  verifyStep,
} from "./forward-steps.js";
import { promoteStep, startNextStep, verifyNextStep } from "./hand-over-steps.js";
import {
  abortStep,
  rollbackStartStep,
  rollbackStopStep,
  rollbackSwitchStep,
  rollbackVerifyStep,
} from "./undo-steps.js";

/** One executor per named step; the type makes a missing step a compile error. */
export const STEP_EXECUTORS: { readonly [S in JobStep]: StepExecutor } = Object.freeze({
  fetch: fetchStep,
  unpack: unpackStep,
  "await-ready": awaitReadyStep,
  drain: drainStep,
  "pre-hook": preHookStep,
  stop: stopStep,
  switch: switchStep,
  "post-hook": postHookStep,
  start: startStep,
  verify: verifyStep,
  commit: commitStep,
  "rollback-stop": rollbackStopStep,
  "rollback-switch": rollbackSwitchStep,
  "rollback-start": rollbackStartStep,
  "rollback-verify": rollbackVerifyStep,
  abort: abortStep,
  "start-next": startNextStep,
  "verify-next": verifyNextStep,
  promote: promoteStep,
});

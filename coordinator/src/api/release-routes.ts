import { releaseSpecSchema } from "../releases/release-spec.js";
import { ANSWERS } from "./answers.js";
import { releaseDecisionBody, releaseRefBody, releaseShowQuery } from "./release-requests.js";
import { noQuery } from "./requests.js";
import { json, NONE, type RouteSpec } from "./route-spec.js";

/** The release document of the issue (10): a pilot store, 10 % after approval, the rest on a trigger. */
const RELEASE_EXAMPLE = {
  name: "pos-client 1.1.0 spring",
  function: "pos-client",
  version: "1.1.0",
  target: { group: ["DE"] },
  stages: [
    { name: "pilot", target: { store: ["1001"] } },
    { name: "wave 1", percent: 10, checkpoint: "approval" },
    { name: "rest", checkpoint: "trigger" },
  ],
  errorThreshold: "2%",
  successThreshold: "100%",
  stageTimeout: "2h",
  soak: "15m",
  maxPerStore: 1,
  onError: "pause",
};

/** `POST /api/releases/VERB` with `{id}` (approve and reject: also `comment`), answering the release. */
function releaseOperation<V extends string>(verb: V, summary: string) {
  return {
    method: "POST",
    path: `/api/releases/${verb}`,
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: json(releaseRefBody, { id: "3" }),
    status: 200,
    answer: ANSWERS.ReleaseView,
    summary,
  } as const;
}

function releaseDecision<V extends string>(verb: V, summary: string) {
  return {
    ...releaseOperation(verb, summary),
    body: json(releaseDecisionBody, { id: "3", comment: "pilot store 1001 looks good" }),
  } as const;
}

/** The release task routes of the API table (routes.ts spreads them in). */
export const RELEASE_ROUTES = {
  createRelease: {
    method: "POST",
    path: "/api/releases",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: json(releaseSpecSchema, RELEASE_EXAMPLE),
    status: 201,
    answer: ANSWERS.ReleaseView,
    summary: "Create a release task (Ready) from its document; `start` runs it",
  },
  listReleases: {
    method: "GET",
    path: "/api/releases",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: NONE,
    status: 200,
    answer: ANSWERS.ReleaseSummaries,
    summary: "The release tasks in the caller's scope, newest first, with their stages' counts",
  },
  showRelease: {
    method: "GET",
    path: "/api/releases/show",
    auth: "operator",
    query: releaseShowQuery,
    queryExample: { id: "3" },
    body: NONE,
    status: 200,
    answer: ANSWERS.ReleaseView,
    summary:
      "One release task: stages with counts per outcome, Not Ready reasons, timed-out and failed rows, history, decisions",
  },
  startRelease: releaseOperation("start", "Start a Ready release task"),
  approveRelease: releaseDecision(
    "approve",
    "Approve the stage waiting for approval, with a comment (an approver other than the creator)",
  ),
  rejectRelease: releaseDecision(
    "reject",
    "Reject the stage waiting for approval, with a comment: the release task ends Rejected",
  ),
  triggerRelease: releaseOperation("trigger", "Start the stage waiting for a trigger"),
  pauseRelease: releaseOperation(
    "pause",
    "Pause a running release task: no new row receives the version; rows In Progress finish",
  ),
  resumeRelease: releaseOperation("resume", "Resume a paused release task"),
  retryRelease: releaseOperation(
    "retry",
    "Send the release task's Failed, Rolled Back and timed-out rows a new request",
  ),
  rollbackRelease: releaseOperation(
    "rollback",
    "Give every row the release task changed its previous active version back as preferred",
  ),
  cancelRelease: releaseOperation(
    "cancel",
    "Cancel a release task: rows not yet started go back to -; rows In Progress finish",
  ),
} as const satisfies Record<string, RouteSpec>;

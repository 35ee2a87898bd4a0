import { useState } from "preact/hooks";
import { API_ROUTES } from "../../../../src/api/contract.js";
import { Time } from "../../shell/time.js";
import {
  type ActionName,
  type ReleaseActions,
  type ReleaseView,
  type StageView,
  shownCounts,
  stateTone,
} from "./model.js";
import { ProgressBar } from "./progress-bar.js";

type Decision = ReleaseView["decisions"][number];

export interface StageCardProps {
  stage: StageView;
  /** The stage as the document wrote it (its size), for the card's subtitle. */
  size: string;
  decisions: readonly Decision[];
  actions: ReleaseActions;
  /** The signed-in operator created the task (four eyes: another approver decides). */
  creatorViewing: boolean;
  busy: boolean;
  run: (action: ActionName, comment?: string) => Promise<boolean>;
}

/** One stage (seed 001's card): state, counts, the rows that wait or failed, its checkpoint. */
export function StageCard(props: StageCardProps) {
  const { stage } = props;
  return (
    <section
      class={`rel-stage ${stateTone(stage.state)}`}
      aria-label={`Stage ${stage.name}`}
      data-state={stage.state}
    >
      <header>
        <h3>{stage.name}</h3>
        <span class={`rel-state ${stateTone(stage.state)}`}>{stage.state}</span>
      </header>
      <p class="rel-sub">
        {props.size}
        {stage.startedAt && (
          <>
            {" · started "}
            <Time iso={stage.startedAt} />
          </>
        )}
        {stage.endedAt && (
          <>
            {" · ended "}
            <Time iso={stage.endedAt} />
          </>
        )}
      </p>
      {stage.reason && <p class="rel-reason">{stage.reason}</p>}
      <ProgressBar
        ok={stage.counts.OK}
        total={stage.counts.total}
        label={`Progress of stage ${stage.name}`}
      />
      <Counts stage={stage} />
      <RowList title="Not Ready" rows={stage.notReady.map((r) => `${r.key}: ${r.reason}`)} />
      <RowList title="Timed out" rows={[...stage.timedOut]} />
      <RowList
        title="Failed"
        rows={stage.failed.map((r) => `${r.key} (${r.status}): ${r.reason}`)}
      />
      <RowList title="Skipped" rows={stage.skipped.map((r) => `${r.key}: ${r.reason}`)} closed />
      {stage.checkpoint !== "none" && <Checkpoint {...props} />}
    </section>
  );
}

function Counts(props: { stage: StageView }) {
  if (props.stage.state === "Pending" && props.stage.counts.total === 0) {
    return <p class="rel-sub">Its rows are chosen when the stage starts.</p>;
  }
  const counts = shownCounts(props.stage.counts);
  return (
    <ul class="rel-counts" aria-label={`Counts of stage ${props.stage.name}`}>
      <li>
        <strong>{props.stage.counts.total}</strong> rows
      </li>
      {counts.map((count) => (
        <li key={count.name} data-count={count.name}>
          {count.name} <strong>{count.value}</strong>
        </li>
      ))}
    </ul>
  );
}

/** A list of rows with why; open unless `closed` (the skipped rows can be many). */
function RowList(props: { title: string; rows: readonly string[]; closed?: boolean }) {
  if (props.rows.length === 0) return null;
  return (
    <details class="rel-rows" open={!props.closed}>
      <summary>
        {props.title} ({props.rows.length})
      </summary>
      <ul aria-label={props.title}>
        {props.rows.slice(0, 200).map((row) => (
          <li key={row}>{row}</li>
        ))}
        {props.rows.length > 200 && <li>… and {props.rows.length - 200} more</li>}
      </ul>
    </details>
  );
}

/** The checkpoint before the stage: its decisions, and what the caller may decide now. */
function Checkpoint(props: StageCardProps) {
  const { stage, actions } = props;
  const [comment, setComment] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const approval = stage.checkpoint === "approval";
  const waitingApproval = stage.state === "Waiting for approval";
  const waitingTrigger = stage.state === "Waiting for trigger";
  const commentId = `rel-comment-${stage.name.replace(/\W+/g, "-")}`;

  const decide = async (action: "approve" | "reject") => {
    const checked = API_ROUTES.approveRelease.body.schema.safeParse({ id: "1", comment });
    if (!checked.success) {
      setProblem(checked.error.issues[0]?.message ?? "is not a valid comment");
      return;
    }
    setProblem(null);
    if (await props.run(action, comment)) setComment("");
  };

  return (
    <div class="rel-checkpoint">
      <h4>{approval ? "Approval checkpoint" : "Trigger checkpoint"}</h4>
      {props.decisions.length > 0 && (
        <ul class="rel-decisions" aria-label={`Decisions on stage ${stage.name}`}>
          {props.decisions.map((d) => (
            <li key={`${d.at}-${d.who}`}>
              <strong>{d.verdict}</strong> by {d.who}, <Time iso={d.at} />
              {d.comment && <blockquote>{d.comment}</blockquote>}
            </li>
          ))}
        </ul>
      )}
      {waitingApproval && props.creatorViewing && (
        <p class="rel-note">You created this task: another approver must decide (four eyes).</p>
      )}
      {waitingApproval && (actions.approve || actions.reject) && (
        <div class="rel-decide">
          <label for={commentId}>Comment</label>
          <textarea
            id={commentId}
            rows={2}
            maxLength={1000}
            value={comment}
            aria-invalid={problem !== null}
            aria-describedby={problem ? `${commentId}-problem` : undefined}
            onInput={(e) => setComment(e.currentTarget.value)}
          />
          {problem && (
            <p class="rel-field-error" id={`${commentId}-problem`}>
              Comment {problem}
            </p>
          )}
          <div class="rel-buttons">
            {actions.approve && (
              <button
                type="button"
                class="primary"
                disabled={props.busy}
                onClick={() => void decide("approve")}
              >
                Approve
              </button>
            )}
            {actions.reject && (
              <button
                type="button"
                class="danger"
                disabled={props.busy}
                onClick={() => void decide("reject")}
              >
                Reject
              </button>
            )}
          </div>
        </div>
      )}
      {waitingTrigger && actions.trigger && (
        <div class="rel-buttons">
          <button
            type="button"
            class="primary"
            disabled={props.busy}
            onClick={() => void props.run("trigger")}
          >
            Go
          </button>
        </div>
      )}
    </div>
  );
}

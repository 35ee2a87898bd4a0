import { useState } from "preact/hooks";
import { followLink } from "../../shell/router.js";
import { useSession } from "../../shell/session.js";
import { Time } from "../../shell/time.js";
import { ConfirmDialog } from "./confirm-dialog.js";
import { takeCreateWarnings } from "./create-warnings.js";
import {
  ACTION_LABELS,
  ACTION_ROUTES,
  type ActionName,
  actionsOf,
  DESTRUCTIVE,
  progressOf,
  type ReleaseView,
  stateTone,
  TASK_ACTIONS,
} from "./model.js";
import { ProgressBar } from "./progress-bar.js";
import { ReleaseHistory } from "./release-history.js";
import { describeSchedule, describeStageSize, SpecSummary } from "./spec-summary.js";
import { StageCard } from "./stage-card.js";
import { usePoll } from "./use-poll.js";
import "./releases.css";

const CONFIRM_TEXT: Partial<Record<ActionName, string>> = {
  rollback:
    "Every row this task changed gets its previous active version back as preferred. This cannot be undone.",
  cancel: "Rows not yet started go back to -; rows In Progress finish. The task ends Cancelled.",
};

/** Seed 001's "Release Process View": the task, a card per stage, its history; polled every 2 s. */
export function ReleasePage(props: { id: string }) {
  // Keyed by id: moving to another task starts afresh (its own poll, warnings, dialogs).
  return <ProcessView key={props.id} id={props.id} />;
}

function ProcessView(props: { id: string }) {
  const { api, who } = useSession();
  const { value, error, refresh } = usePoll(
    () => api("showRelease", { query: { id: props.id } }),
    2000,
  );
  const [refusal, setRefusal] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<ActionName | null>(null);
  const [warnings] = useState(() => takeCreateWarnings(props.id));

  if (value === undefined) {
    return (
      <section class="releases">
        <BackLink />
        {error ? <p role="alert">{error}</p> : <p>Loading…</p>}
      </section>
    );
  }
  const view: ReleaseView = value;
  const actions = actionsOf(view);

  const run = async (action: ActionName, comment?: string): Promise<boolean> => {
    setBusy(true);
    setRefusal(null);
    try {
      const body = comment === undefined ? { id: view.id } : { id: view.id, comment };
      await api(ACTION_ROUTES[action], { body } as never);
      await refresh();
      return true;
    } catch (failure) {
      setRefusal(failure instanceof Error ? failure.message : String(failure));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const press = (action: ActionName) => {
    if (DESTRUCTIVE.has(action)) setConfirming(action);
    else void run(action);
  };

  const progress = progressOf(view.stages);
  return (
    <section class="releases">
      <BackLink />
      <header class="rel-head">
        <div>
          <h1>
            {view.name} <span class="rel-id">#{view.id}</span>
          </h1>
          <p class="rel-sub">
            {view.function} {view.version} · created by {view.createdBy},{" "}
            <Time iso={view.createdAt} />
            {(view.state === "Ready" || view.state === "Scheduled") &&
              ` · starts ${describeSchedule(view.spec.schedule)}`}
          </p>
        </div>
        <span class={`rel-state big ${stateTone(view.state)}`} data-state={view.state}>
          {view.state}
        </span>
      </header>
      <ProgressBar ok={progress.ok} total={progress.total} label="Progress of the task" />
      <div class="rel-buttons rel-task-actions">
        {TASK_ACTIONS.filter((action) => actions[action]).map((action) => (
          <button
            key={action}
            type="button"
            class={DESTRUCTIVE.has(action) ? "danger" : action === "start" ? "primary" : ""}
            disabled={busy}
            onClick={() => press(action)}
          >
            {ACTION_LABELS[action]}
          </button>
        ))}
      </div>
      {refusal && <p role="alert">{refusal}</p>}
      {error && <p role="alert">{error}</p>}
      {warnings.length > 0 && (
        <ul class="rel-warnings" aria-label="Warnings">
          {warnings.map((w) => (
            <li key={w}>Warning: {w}</li>
          ))}
        </ul>
      )}
      <div class="rel-stages">
        {view.stages.map((stage, index) => {
          const written = view.spec.stages[index];
          return (
            <StageCard
              key={stage.name}
              stage={stage}
              size={written ? describeStageSize(written) : ""}
              decisions={view.decisions.filter((d) => d.stage === stage.name)}
              actions={actions}
              creatorViewing={who.name === view.createdBy}
              busy={busy}
              run={run}
            />
          );
        })}
      </div>
      <details class="rel-doc">
        <summary>Task document</summary>
        <SpecSummary spec={view.spec} />
      </details>
      <ReleaseHistory history={view.history} />
      {confirming && (
        <ConfirmDialog
          title={`${ACTION_LABELS[confirming]}: release task ${view.id}?`}
          text={CONFIRM_TEXT[confirming] ?? ""}
          confirmLabel={confirming === "rollback" ? "Yes, roll back" : "Yes, cancel the task"}
          onClose={() => setConfirming(null)}
          onConfirm={() => {
            const action = confirming;
            setConfirming(null);
            void run(action);
          }}
        />
      )}
    </section>
  );
}

function BackLink() {
  return (
    <p class="rel-back">
      <a href="/releases" onClick={(e) => followLink(e, "/releases")}>
        ← Release tasks
      </a>
    </p>
  );
}

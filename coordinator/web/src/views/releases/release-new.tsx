import { useEffect, useState } from "preact/hooks";
import { API_ROUTES } from "../../../../src/api/contract.js";
import { ApiError } from "../../api/client.js";
import { followLink, navigate } from "../../shell/router.js";
import { useSession } from "../../shell/session.js";
import { keepCreateWarnings } from "./create-warnings.js";
import { errorProps, FieldError, TextField } from "./field.js";
import {
  documentOf,
  emptyDraft,
  fieldLabel,
  isDowngradeRefusal,
  issuesByField,
  missingFields,
  newStage,
  type ReleaseDraft,
  type ScheduleChoice,
  type StageDraft,
} from "./form-model.js";
import { StageFields } from "./stage-fields.js";
import { TargetFields } from "./target-fields.js";
import "./releases.css";

const SCHEDULES: Readonly<Record<ScheduleChoice, string>> = {
  hand: "By hand (Start on the task's page)",
  immediately: "Immediately",
  window: "In each store's maintenance window",
  at: "At a time",
};

/** Seed 004's task form: the release document field by field, checked as the server checks it. */
export function ReleaseNewPage() {
  const { api, may } = useSession();
  const [draft, setDraft] = useState<ReleaseDraft>(emptyDraft);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [refusal, setRefusal] = useState<string | null>(null);
  const [downgrade, setDowngrade] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [packs, setPacks] = useState<{ name: string; version: string }[]>([]);

  useEffect(() => {
    if (!may("listPacks")) return;
    api("listPacks").then(
      (answer) => setPacks(answer.map((p) => ({ name: p.name, version: p.version }))),
      () => setPacks([]),
    );
  }, [api, may]);

  if (!may("createRelease")) {
    return <p role="alert">Creating release tasks needs the operator role.</p>;
  }

  const set = (patch: Partial<ReleaseDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const setStage = (index: number, stage: StageDraft) =>
    setDraft((d) => ({ ...d, stages: d.stages.map((s, i) => (i === index ? stage : s)) }));

  const submit = async (event: Event) => {
    event.preventDefault();
    setRefusal(null);
    const doc = documentOf(draft);
    const checked = API_ROUTES.createRelease.body.schema.safeParse(doc);
    const missing = missingFields(draft);
    if (!checked.success || Object.keys(missing).length > 0) {
      setErrors({ ...(checked.success ? {} : issuesByField(checked.error.issues)), ...missing });
      setRefusal("The task was not created: correct the fields marked below.");
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const created = await api("createRelease", { body: doc });
      keepCreateWarnings(created.id, created.warnings ?? []);
      navigate(`/releases/${encodeURIComponent(created.id)}`);
    } catch (failure) {
      const message = failure instanceof Error ? failure.message : String(failure);
      if (failure instanceof ApiError && isDowngradeRefusal(failure.status, message)) {
        setDowngrade(message);
      } else setRefusal(message);
    } finally {
      setBusy(false);
    }
  };

  const functions = [...new Set(packs.map((p) => p.name))].sort();
  const versions = packs.filter((p) => p.name === draft.function.trim()).map((p) => p.version);

  return (
    <section class="releases">
      <p class="rel-back">
        <a href="/releases" onClick={(e) => followLink(e, "/releases")}>
          ← Release tasks
        </a>
      </p>
      <h1>New release task</h1>
      <form class="rel-form" onSubmit={submit} noValidate>
        {refusal && <p role="alert">{refusal}</p>}
        <ErrorSummary errors={errors} />
        <div class="rel-grid">
          <TextField
            field="name"
            label="Name"
            value={draft.name}
            placeholder="pos-client 1.1.0 spring"
            errors={errors}
            onInput={(name) => set({ name })}
          />
          <TextField
            field="function"
            label="Flow Service"
            list="rel-functions"
            value={draft.function}
            errors={errors}
            onInput={(fn) => set({ function: fn })}
          />
          <TextField
            field="version"
            label="Version"
            list="rel-versions"
            value={draft.version}
            placeholder="1.1.0"
            errors={errors}
            onInput={(version) => set({ version })}
          />
        </div>
        <datalist id="rel-functions">
          {functions.map((f) => (
            <option key={f} value={f} />
          ))}
        </datalist>
        <datalist id="rel-versions">
          {versions.map((v) => (
            <option key={v} value={v} />
          ))}
        </datalist>
        <TargetFields
          target={draft.target}
          errors={errors}
          onChange={(field, value) => set({ target: { ...draft.target, [field]: value } })}
        />
        <FieldError field="target" errors={errors} />
        <fieldset class="rel-stages-fields">
          <legend>Stages</legend>
          <FieldError field="stages" errors={errors} />
          {draft.stages.map((stage, index) => (
            <StageFields
              key={index}
              index={index}
              stage={stage}
              canRemove={draft.stages.length > 1}
              errors={errors}
              onChange={(s) => setStage(index, s)}
              onRemove={() => set({ stages: draft.stages.filter((_, i) => i !== index) })}
            />
          ))}
          <button
            type="button"
            onClick={() => set({ stages: [...draft.stages, newStage(draft.stages.length)] })}
          >
            Add stage
          </button>
        </fieldset>
        <RunFields draft={draft} errors={errors} set={set} />
        {downgrade && (
          <div class="rel-downgrade" role="alert">
            <p>{downgrade}</p>
            <label>
              <input
                type="checkbox"
                checked={draft.allowDowngrade}
                onChange={(e) => set({ allowDowngrade: e.currentTarget.checked })}
              />{" "}
              I confirm the downgrade
            </label>
          </div>
        )}
        <div class="rel-buttons">
          <button
            type="submit"
            class="primary"
            disabled={busy || (downgrade !== null && !draft.allowDowngrade)}
          >
            Create
          </button>
        </div>
      </form>
    </section>
  );
}

/** Thresholds, timing, what happens on error, the schedule and the flags (release-spec.ts). */
function RunFields(props: {
  draft: ReleaseDraft;
  errors: Record<string, string>;
  set: (patch: Partial<ReleaseDraft>) => void;
}) {
  const { draft, errors, set } = props;
  return (
    <>
      <fieldset>
        <legend>How it runs</legend>
        <div class="rel-grid">
          <TextField
            field="errorThreshold"
            label="Error threshold"
            placeholder="0%"
            hint="a stage fails above this share of Failed, Rolled Back, timed out"
            value={draft.errorThreshold}
            errors={errors}
            onInput={(errorThreshold) => set({ errorThreshold })}
          />
          <TextField
            field="successThreshold"
            label="Success threshold"
            placeholder="100%"
            value={draft.successThreshold}
            errors={errors}
            onInput={(successThreshold) => set({ successThreshold })}
          />
          <TextField
            field="stageTimeout"
            label="Stage timeout"
            placeholder="2h"
            hint="h, m, s: 2h, 1h30m, 15m"
            value={draft.stageTimeout}
            errors={errors}
            onInput={(stageTimeout) => set({ stageTimeout })}
          />
          <TextField
            field="soak"
            label="Soak"
            placeholder="0s"
            hint="how long a row stays OK before it counts"
            value={draft.soak}
            errors={errors}
            onInput={(soak) => set({ soak })}
          />
          <TextField
            field="maxPerStore"
            label="Max per store"
            type="number"
            placeholder="no limit"
            hint="tills of one store updating at once"
            value={draft.maxPerStore}
            errors={errors}
            onInput={(maxPerStore) => set({ maxPerStore })}
          />
          <div class="rel-field">
            <label for={errorProps("onError", errors).id}>On error</label>
            <select
              {...errorProps("onError", errors)}
              value={draft.onError}
              onChange={(e) => set({ onError: e.currentTarget.value as ReleaseDraft["onError"] })}
            >
              <option value="pause">Pause (retry, roll back or cancel by hand)</option>
              <option value="rollback">Roll back by itself</option>
            </select>
          </div>
        </div>
      </fieldset>
      <fieldset>
        <legend>When and how</legend>
        <div class="rel-grid">
          <div class="rel-field">
            <label for={errorProps("schedule", errors).id}>Schedule</label>
            <select
              {...errorProps("schedule", errors)}
              value={draft.schedule}
              onChange={(e) => set({ schedule: e.currentTarget.value as ScheduleChoice })}
            >
              {(Object.keys(SCHEDULES) as ScheduleChoice[]).map((mode) => (
                <option key={mode} value={mode}>
                  {SCHEDULES[mode]}
                </option>
              ))}
            </select>
            <FieldError field="schedule" errors={errors} />
          </div>
          {draft.schedule === "at" && (
            <TextField
              field="schedule.at"
              label="Start at"
              type="datetime-local"
              hint="your time zone"
              value={draft.at}
              errors={errors}
              onInput={(at) => set({ at })}
            />
          )}
        </div>
        <Flag
          field="forced"
          label="Forced"
          hint="only the platform admin may cancel it"
          checked={draft.forced}
          errors={errors}
          onChange={(forced) => set({ forced })}
        />
        <Flag
          field="redeploy"
          label="Redeploy"
          hint="tills already on the version install it afresh"
          checked={draft.redeploy}
          errors={errors}
          onChange={(redeploy) => set({ redeploy })}
        />
        <fieldset class="rel-notify" aria-describedby="rel-notify-hint">
          <legend>Notify</legend>
          <small class="rel-hint" id="rel-notify-hint">
            whom e-mail about the task goes to
          </small>
          <Flag
            field="notify.partnerAdmins"
            label="Partner admins"
            checked={draft.notifyPartnerAdmins}
            errors={errors}
            onChange={(notifyPartnerAdmins) => set({ notifyPartnerAdmins })}
          />
          <Flag
            field="notify.storeContacts"
            label="Store contacts"
            checked={draft.notifyStoreContacts}
            errors={errors}
            onChange={(notifyStoreContacts) => set({ notifyStoreContacts })}
          />
          <FieldError field="notify" errors={errors} />
        </fieldset>
      </fieldset>
    </>
  );
}

function Flag(props: {
  field: string;
  label: string;
  hint?: string;
  checked: boolean;
  errors: Record<string, string>;
  onChange: (checked: boolean) => void;
}) {
  return (
    <div class="rel-flag">
      <input
        {...errorProps(props.field, props.errors)}
        type="checkbox"
        checked={props.checked}
        onChange={(e) => props.onChange(e.currentTarget.checked)}
      />
      <label for={errorProps(props.field, props.errors).id}>{props.label}</label>
      {props.hint && <small class="rel-hint"> — {props.hint}</small>}
      <FieldError field={props.field} errors={props.errors} />
    </div>
  );
}

/** Every problem in one list atop the form (each also sits under its field). */
function ErrorSummary(props: { errors: Record<string, string> }) {
  const entries = Object.entries(props.errors);
  if (entries.length === 0) return null;
  return (
    <ul class="rel-error-summary" aria-label="Problems">
      {entries.map(([field, message]) => (
        <li key={field}>
          {fieldLabel(field)}: {message}
        </li>
      ))}
    </ul>
  );
}

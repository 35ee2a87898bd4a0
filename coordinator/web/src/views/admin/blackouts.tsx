import { useState } from "preact/hooks";
import { type Answer, API_ROUTES } from "../../../../src/api/contract.js";
import { useSession } from "../../shell/session.js";
import { Time } from "../../shell/time.js";
import {
  AdminPage,
  ConfirmButton,
  FormOutcome,
  LocalTimeField,
  Refusal,
  refusalText,
  TextField,
  useLoaded,
} from "./admin-kit.js";
import { type FieldIssues, issuesByField, noIssues, topLevelField } from "./form-issues.js";
import { localInputToIso } from "./local-time.js";

type Blackout = Answer<"listBlackouts">[number];
type BlackoutField = "from" | "to" | "reason" | "group";

const fieldOf = topLevelField<BlackoutField>(["from", "to", "reason", "group"]);

function subjectText(blackout: Blackout): string {
  return blackout.group === null ? "Platform maintenance" : `group ${blackout.group}`;
}

function stateText(blackout: Blackout): string {
  if (blackout.ended) return "ended";
  return blackout.active ? "active now" : "upcoming";
}

/** Periods in which no update starts: a group's, or (without a group) platform maintenance. */
export function BlackoutsPage() {
  const { api, may, who } = useSession();
  const [showEnded, setShowEnded] = useState(false);
  const list = useLoaded(
    () => api("listBlackouts", { query: showEnded ? { all: "true" } : {} }),
    String(showEnded),
  );
  const [refusal, setRefusal] = useState<string | null>(null);
  // Platform maintenance is the platform admin's alone: a partner admin is not offered its removal.
  const mayRemove = (blackout: Blackout) =>
    may("removeBlackout") && (blackout.group !== null || who.scope === null);

  const remove = async (blackout: Blackout) => {
    setRefusal(null);
    try {
      await api("removeBlackout", { body: { id: blackout.id } });
      list.reload();
    } catch (failure) {
      setRefusal(refusalText(failure));
    }
  };

  return (
    <AdminPage
      title="Blackouts"
      intro="From the start up to the end no update starts on the rows a blackout covers: a group and its subgroups, or every row (platform maintenance)."
    >
      <Refusal text={list.error ?? refusal} />
      <label class="admin-inline">
        <input
          type="checkbox"
          checked={showEnded}
          onChange={(e) => setShowEnded(e.currentTarget.checked)}
        />
        Show ended blackouts
      </label>
      <div class="table-wrap">
        <table aria-label="Blackouts">
          <thead>
            <tr>
              <th scope="col">ID</th>
              <th scope="col">Covers</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Reason</th>
              <th scope="col">State</th>
              <th scope="col">Added by</th>
              {may("removeBlackout") && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {list.data?.length === 0 && (
              <tr>
                <td colSpan={8}>No current or upcoming blackout.</td>
              </tr>
            )}
            {list.data?.map((blackout) => (
              <tr key={blackout.id} data-blackout={blackout.id}>
                <td>{blackout.id}</td>
                <td>{subjectText(blackout)}</td>
                <td>
                  <Time iso={blackout.from} />
                </td>
                <td>
                  <Time iso={blackout.to} />
                </td>
                <td>{blackout.reason}</td>
                <td>{stateText(blackout)}</td>
                <td>{blackout.createdBy}</td>
                {may("removeBlackout") && (
                  <td>
                    {mayRemove(blackout) && (
                      <ConfirmButton
                        label="Remove"
                        ariaLabel={`Remove blackout ${blackout.id}`}
                        question={`Remove blackout ${blackout.id} (${blackout.reason})?`}
                        confirmLabel="Yes, remove"
                        onConfirm={() => remove(blackout)}
                      />
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {may("addBlackout") && <BlackoutForm platform={who.scope === null} onSaved={list.reload} />}
    </AdminPage>
  );
}

function BlackoutForm(props: { platform: boolean; onSaved: () => void }) {
  const { api } = useSession();
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [reason, setReason] = useState("");
  const [group, setGroup] = useState("");
  const [issues, setIssues] = useState<FieldIssues<BlackoutField>>({});
  const [refusal, setRefusal] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setRefusal(null);
    setSaved(null);
    const body = {
      from: localInputToIso(from) ?? "",
      to: localInputToIso(to) ?? "",
      reason,
      group: group.trim() === "" ? null : group.trim(),
    };
    const checked = API_ROUTES.addBlackout.body.schema.safeParse(body);
    const found = checked.success ? {} : issuesByField(checked.error.issues, fieldOf);
    if (from === "") found.from = "is required";
    if (to === "") found.to = "is required";
    // Only the platform admin may add platform maintenance (the server refuses it too).
    if (!props.platform && body.group === null)
      found.group = "is required: name a group in your scope";
    setIssues(found);
    if (!checked.success || !noIssues(found)) return;
    try {
      const answer = await api("addBlackout", { body: checked.data });
      const cancelled = answer.cancelled.map(
        (task) => `#${task.id} ${task.name} (owner ${task.createdBy})`,
      );
      setSaved(
        `Blackout ${answer.blackout.id} added.${cancelled.length > 0 ? ` Cancelled: ${cancelled.join(", ")}.` : ""}`,
      );
      setReason("");
      props.onSaved();
    } catch (failure) {
      setRefusal(refusalText(failure));
    }
  };

  return (
    <form class="admin-form" onSubmit={submit} noValidate aria-label="Add a blackout">
      <h2>Add a blackout</h2>
      <LocalTimeField
        id="blackout-from"
        label="From"
        value={from}
        onInput={setFrom}
        error={issues.from}
      />
      <LocalTimeField
        id="blackout-to"
        label="To"
        value={to}
        onInput={setTo}
        note="not included"
        error={issues.to}
      />
      <TextField
        id="blackout-reason"
        label="Reason"
        value={reason}
        onInput={setReason}
        error={issues.reason}
      />
      <TextField
        id="blackout-group"
        label="Group"
        value={group}
        onInput={setGroup}
        placeholder="DE/North"
        hint={
          props.platform
            ? "Empty: platform maintenance (every row), announced on the login page"
            : "A group inside your scope"
        }
        error={issues.group}
      />
      <FormOutcome refusal={issues.form ?? refusal} saved={saved} />
      <p class="admin-hint">
        Adding a blackout cancels the Scheduled release tasks whose start it overlaps.
      </p>
      <button type="submit" class="primary">
        Add blackout
      </button>
    </form>
  );
}

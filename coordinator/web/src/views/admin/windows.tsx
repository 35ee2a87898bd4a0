import { useState } from "preact/hooks";
import { type Answer, API_ROUTES, type RequestBody } from "../../../../src/api/contract.js";
import { useSession } from "../../shell/session.js";
import { Time } from "../../shell/time.js";
import {
  AdminPage,
  ConfirmButton,
  FieldError,
  FormOutcome,
  Refusal,
  refusalText,
  TextField,
  useLoaded,
  ZoneList,
} from "./admin-kit.js";
import { type FieldIssues, issuesByField, noIssues } from "./form-issues.js";
import { durationToMinutes, minutesToDuration, viewerZone } from "./local-time.js";
import { StoreSettings } from "./store-settings.js";

type WindowSetting = Answer<"listWindows">["windows"][number];
type Weekday = RequestBody<"setWindow">["window"]["days"][number];
type WindowField = "subject" | "tz" | "days" | "start" | "duration";

/** The weekdays in the contract's order (the body schema's own enum). */
const WEEKDAYS = API_ROUTES.setWindow.body.schema.shape.window.shape.days.element.options;
const DAY_LABEL: Record<Weekday, string> = {
  mon: "Mon",
  tue: "Tue",
  wed: "Wed",
  thu: "Thu",
  fri: "Fri",
  sat: "Sat",
  sun: "Sun",
};

/** Which form field a schema issue is about: `["window", "tz"]` → tz. */
function windowFieldOf(path: readonly PropertyKey[]): WindowField | undefined {
  const [first, second] = path;
  if (first === "group" || first === "store") return "subject";
  if (first !== "window") return undefined;
  if (second === "tz" || second === "days" || second === "start") return second;
  if (second === "durationMinutes") return "duration";
  return undefined;
}

function subjectText(setting: WindowSetting): string {
  return setting.subject.kind === "group"
    ? `group ${setting.subject.group}`
    : `store ${setting.subject.store}`;
}

/** Maintenance windows of groups and stores, and the stores' own zone and contact. */
export function WindowsPage() {
  const { api, may } = useSession();
  const list = useLoaded(() => api("listWindows"));
  const [refusal, setRefusal] = useState<string | null>(null);

  const remove = async (setting: WindowSetting) => {
    setRefusal(null);
    try {
      const subject = setting.subject;
      await api("removeWindow", {
        body: subject.kind === "group" ? { group: subject.group } : { store: subject.store },
      });
      list.reload();
    } catch (failure) {
      setRefusal(refusalText(failure));
    }
  };

  return (
    <AdminPage
      title="Maintenance windows"
      intro="When each group's and store's tills may install, in the store's own zone. A store's own window wins; else the nearest group's."
    >
      <Refusal text={list.error ?? refusal} />
      <div class="table-wrap">
        <table aria-label="Maintenance windows">
          <thead>
            <tr>
              <th scope="col">Set on</th>
              <th scope="col">Time zone</th>
              <th scope="col">Days</th>
              <th scope="col">Start</th>
              <th scope="col">Duration</th>
              <th scope="col">Set by</th>
              <th scope="col">Set at</th>
              {may("removeWindow") && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {list.data?.windows.length === 0 && (
              <tr>
                <td colSpan={8}>No maintenance window is set.</td>
              </tr>
            )}
            {list.data?.windows.map((setting) => (
              <tr key={subjectText(setting)} data-subject={subjectText(setting)}>
                <td>{subjectText(setting)}</td>
                <td>{setting.window.tz}</td>
                <td>{setting.window.days.map((day) => DAY_LABEL[day]).join(", ")}</td>
                <td>{setting.window.start}</td>
                <td>{minutesToDuration(setting.window.durationMinutes)}</td>
                <td>{setting.setBy}</td>
                <td>
                  <Time iso={setting.setAt} />
                </td>
                {may("removeWindow") && (
                  <td>
                    <ConfirmButton
                      label="Remove"
                      ariaLabel={`Remove window of ${subjectText(setting)}`}
                      question={`Remove the window of ${subjectText(setting)}?`}
                      confirmLabel="Yes, remove"
                      onConfirm={() => remove(setting)}
                    />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {may("setWindow") && <WindowForm onSaved={list.reload} />}
      <StoreSettings stores={list.data?.stores} onSaved={list.reload} />
      <ZoneList id="admin-zones" />
    </AdminPage>
  );
}

/** Set a group's or a store's window, checked with the route's own body schema first. */
function WindowForm(props: { onSaved: () => void }) {
  const { api } = useSession();
  const [kind, setKind] = useState<"group" | "store">("group");
  const [subject, setSubject] = useState("");
  const [tz, setTz] = useState(viewerZone);
  const [days, setDays] = useState<readonly Weekday[]>(["mon", "tue", "wed", "thu", "fri"]);
  const [start, setStart] = useState("02:00");
  const [duration, setDuration] = useState("3h");
  const [issues, setIssues] = useState<FieldIssues<WindowField>>({});
  const [refusal, setRefusal] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setRefusal(null);
    setSaved(null);
    const minutes = durationToMinutes(duration);
    const body = {
      ...(kind === "group" ? { group: subject.trim() } : { store: subject.trim() }),
      window: {
        tz: tz.trim(),
        days: WEEKDAYS.filter((day) => days.includes(day)),
        start,
        durationMinutes: minutes ?? 0,
      },
    };
    const checked = API_ROUTES.setWindow.body.schema.safeParse(body);
    const found = checked.success ? {} : issuesByField(checked.error.issues, windowFieldOf);
    if (minutes === undefined)
      found.duration = `"${duration}" is not a duration like 3h, 1h30m or 45m`;
    setIssues(found);
    if (!checked.success || !noIssues(found)) return;
    setBusy(true);
    try {
      const answer = await api("setWindow", { body: checked.data });
      setSaved(
        `Window of ${answer.subject.kind === "group" ? `group ${answer.subject.group}` : `store ${answer.subject.store}`} saved.`,
      );
      props.onSaved();
    } catch (failure) {
      setRefusal(refusalText(failure));
    } finally {
      setBusy(false);
    }
  };

  const toggleDay = (day: Weekday, on: boolean) =>
    setDays((current) => (on ? [...current, day] : current.filter((d) => d !== day)));

  return (
    <form class="admin-form" onSubmit={submit} noValidate aria-label="Set a maintenance window">
      <h2>Set a window</h2>
      <div class="admin-field">
        <label for="window-kind">Set on</label>
        <select
          id="window-kind"
          value={kind}
          onChange={(e) => setKind(e.currentTarget.value === "store" ? "store" : "group")}
        >
          <option value="group">Business unit group</option>
          <option value="store">Store</option>
        </select>
      </div>
      <TextField
        id="window-subject"
        label={kind === "group" ? "Group" : "Store"}
        value={subject}
        onInput={setSubject}
        placeholder={kind === "group" ? "DE/North" : "1001"}
        error={issues.subject}
      />
      <TextField
        id="window-tz"
        label="Time zone"
        value={tz}
        onInput={setTz}
        placeholder="Europe/Berlin"
        list="admin-zones"
        error={issues.tz}
      />
      <fieldset class="admin-days" aria-describedby={issues.days ? "window-days-error" : undefined}>
        <legend>Days</legend>
        {WEEKDAYS.map((day) => (
          <label key={day}>
            <input
              type="checkbox"
              checked={days.includes(day)}
              onChange={(e) => toggleDay(day, e.currentTarget.checked)}
            />
            {DAY_LABEL[day]}
          </label>
        ))}
        <FieldError id="window-days-error" text={issues.days} />
      </fieldset>
      <TextField
        id="window-start"
        label="Start"
        type="time"
        value={start}
        onInput={setStart}
        hint="Local wall time in the zone above (HH:MM)"
        error={issues.start}
      />
      <TextField
        id="window-duration"
        label="Duration"
        value={duration}
        onInput={setDuration}
        hint="Like 3h, 1h30m or 45m (1m to 24h)"
        error={issues.duration}
      />
      <FormOutcome refusal={issues.form ?? refusal} saved={saved} />
      <button type="submit" class="primary" disabled={busy}>
        Set window
      </button>
    </form>
  );
}

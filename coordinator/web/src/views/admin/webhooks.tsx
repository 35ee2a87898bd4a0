import { useState } from "preact/hooks";
import { type Answer, API_ROUTES } from "../../../../src/api/contract.js";
import { useSession } from "../../shell/session.js";
import { Time } from "../../shell/time.js";
import {
  AdminPage,
  ConfirmButton,
  FieldError,
  Refusal,
  refusalText,
  ShownOnce,
  TextField,
  useLoaded,
} from "./admin-kit.js";
import { type FieldIssues, issuesByField, noIssues, topLevelField } from "./form-issues.js";

type Webhook = Answer<"listWebhooks">[number];
type WebhookField = "url" | "secret" | "events";
type NoticeEvent = NonNullable<Webhook["events"]>[number];

/** The notice events, from the answer schema's own enum (no second list). */
const EVENTS = API_ROUTES.listWebhooks.answer.element.shape.events.unwrap().unwrap()
  .element.options;

const fieldOf = topLevelField<WebhookField>(["url", "secret", "events"]);

/** 32 random bytes as hex: a signing secret the operator can paste into the receiver. */
function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Receivers of signed notices (the platform admin's: they carry every group's notices). */
export function WebhooksPage() {
  const { api, may } = useSession();
  const list = useLoaded(() => api("listWebhooks"));
  const [refusal, setRefusal] = useState<string | null>(null);

  const remove = async (webhook: Webhook) => {
    setRefusal(null);
    try {
      await api("removeWebhook", { body: { id: webhook.id } });
      list.reload();
    } catch (failure) {
      setRefusal(refusalText(failure));
    }
  };

  return (
    <AdminPage
      title="Webhooks"
      intro="Every notice of a webhook's events is POSTed to its URL, signed with its secret (X-Tillroll-Signature), in order and retried until delivered."
    >
      <Refusal text={list.error ?? refusal} />
      <div class="table-wrap">
        <table aria-label="Webhooks">
          <thead>
            <tr>
              <th scope="col">ID</th>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">Secret</th>
              <th scope="col">Added by</th>
              <th scope="col">Added at</th>
              {may("removeWebhook") && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {list.data?.length === 0 && (
              <tr>
                <td colSpan={7}>No webhook.</td>
              </tr>
            )}
            {list.data?.map((webhook) => (
              <tr key={webhook.id} data-webhook={webhook.id}>
                <td>{webhook.id}</td>
                <td class="admin-url">{webhook.url}</td>
                <td>{webhook.events === null ? "every event" : webhook.events.join(", ")}</td>
                <td>set</td>
                <td>{webhook.createdBy}</td>
                <td>
                  <Time iso={webhook.createdAt} />
                </td>
                {may("removeWebhook") && (
                  <td>
                    <ConfirmButton
                      label="Remove"
                      ariaLabel={`Remove webhook ${webhook.id}`}
                      question={`Remove webhook ${webhook.id}? Its undelivered notices are dropped.`}
                      confirmLabel="Yes, remove"
                      onConfirm={() => remove(webhook)}
                    />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {may("addWebhook") && <WebhookForm onSaved={list.reload} />}
    </AdminPage>
  );
}

function WebhookForm(props: { onSaved: () => void }) {
  const { api } = useSession();
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState(randomSecret);
  const [events, setEvents] = useState<readonly NoticeEvent[]>([]);
  const [issues, setIssues] = useState<FieldIssues<WebhookField>>({});
  const [refusal, setRefusal] = useState<string | null>(null);
  const [issued, setIssued] = useState<{ id: string; secret: string } | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setRefusal(null);
    const body = {
      url: url.trim(),
      secret,
      // None ticked: every event (the API's default).
      ...(events.length > 0 ? { events: EVENTS.filter((name) => events.includes(name)) } : {}),
    };
    const checked = API_ROUTES.addWebhook.body.schema.safeParse(body);
    const found = checked.success ? {} : issuesByField(checked.error.issues, fieldOf);
    setIssues(found);
    if (!checked.success || !noIssues(found)) return;
    try {
      const answer = await api("addWebhook", { body: checked.data });
      setIssued({ id: answer.id, secret });
      setUrl("");
      setEvents([]);
      setSecret(randomSecret());
      props.onSaved();
    } catch (failure) {
      setRefusal(refusalText(failure));
    }
  };

  if (issued) {
    return (
      <ShownOnce
        title={`Webhook ${issued.id} added`}
        secrets={[{ label: "Secret", value: issued.secret }]}
        onDone={() => setIssued(null)}
      />
    );
  }

  return (
    <form class="admin-form" onSubmit={submit} noValidate aria-label="Add a webhook">
      <h2>Add a webhook</h2>
      <TextField
        id="webhook-url"
        label="URL"
        type="url"
        value={url}
        onInput={setUrl}
        placeholder="https://hooks.example.com/tillroll"
        error={issues.url}
      />
      <fieldset
        class="admin-events"
        aria-describedby={issues.events ? "webhook-events-error" : undefined}
      >
        <legend>Events</legend>
        <small class="admin-hint">None ticked: every event.</small>
        {EVENTS.map((name) => (
          <label key={name}>
            <input
              type="checkbox"
              checked={events.includes(name)}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                setEvents((current) =>
                  on ? [...current, name] : current.filter((n) => n !== name),
                );
              }}
            />
            {name}
          </label>
        ))}
        <FieldError id="webhook-events-error" text={issues.events} />
      </fieldset>
      <TextField
        id="webhook-secret"
        label="Secret"
        value={secret}
        onInput={setSecret}
        hint="Made by your browser; replace it with your own if you like. Shown once more after adding, never again."
        error={issues.secret}
      />
      <Refusal text={issues.form ?? refusal} />
      <button type="submit" class="primary">
        Add webhook
      </button>
    </form>
  );
}

import { useState } from "preact/hooks";
import { type Answer, API_ROUTES } from "../../../../src/api/contract.js";
import { useSession } from "../../shell/session.js";
import { Time } from "../../shell/time.js";
import { FormOutcome, refusalText, TextField } from "./admin-kit.js";
import { type FieldIssues, issuesByField, noIssues, topLevelField } from "./form-issues.js";

type StoreSetting = Answer<"listWindows">["stores"][number];
type StoreField = "store" | "tz" | "contact";

const fieldOf = topLevelField<StoreField>(["store", "tz", "contact"]);

/**
 * A store's own zone (it replaces the zone of the window the store inherits,
 * so one group window serves stores in several zones) and its contact.
 */
export function StoreSettings(props: {
  stores: readonly StoreSetting[] | undefined;
  onSaved: () => void;
}) {
  const { may } = useSession();
  const [editing, setEditing] = useState<StoreSetting | null>(null);
  return (
    <section class="admin-section" aria-labelledby="store-settings-title">
      <h2 id="store-settings-title">Store settings</h2>
      <div class="table-wrap">
        <table aria-label="Store settings">
          <thead>
            <tr>
              <th scope="col">Store</th>
              <th scope="col">Time zone</th>
              <th scope="col">Contact</th>
              <th scope="col">Set by</th>
              <th scope="col">Set at</th>
              {may("setStore") && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {props.stores?.length === 0 && (
              <tr>
                <td colSpan={6}>No store has its own zone or contact.</td>
              </tr>
            )}
            {props.stores?.map((store) => (
              <tr key={store.store} data-store={store.store}>
                <td>{store.store}</td>
                <td>{store.tz ?? "inherited"}</td>
                <td>{store.contact ?? ""}</td>
                <td>{store.setBy}</td>
                <td>
                  <Time iso={store.setAt} zone={store.tz} />
                </td>
                {may("setStore") && (
                  <td>
                    <button
                      type="button"
                      aria-label={`Edit store ${store.store}`}
                      onClick={() => setEditing(store)}
                    >
                      Edit
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {may("setStore") && (
        <StoreForm key={editing?.store ?? ""} initial={editing} onSaved={props.onSaved} />
      )}
    </section>
  );
}

function StoreForm(props: { initial: StoreSetting | null; onSaved: () => void }) {
  const { api } = useSession();
  const [store, setStore] = useState(props.initial?.store ?? "");
  const [tz, setTz] = useState(props.initial?.tz ?? "");
  const [contact, setContact] = useState(props.initial?.contact ?? "");
  const [issues, setIssues] = useState<FieldIssues<StoreField>>({});
  const [refusal, setRefusal] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setRefusal(null);
    setSaved(null);
    // The form sets both fields: an empty one unsets (null), as `store set --tz ""` does.
    const body = {
      store: store.trim(),
      tz: tz.trim() === "" ? null : tz.trim(),
      contact: contact.trim() === "" ? null : contact.trim(),
    };
    const checked = API_ROUTES.setStore.body.schema.safeParse(body);
    const found = checked.success ? {} : issuesByField(checked.error.issues, fieldOf);
    setIssues(found);
    if (!checked.success || !noIssues(found)) return;
    try {
      const answer = await api("setStore", { body: checked.data });
      setSaved(`Store ${answer.store} saved.`);
      props.onSaved();
    } catch (failure) {
      setRefusal(refusalText(failure));
    }
  };

  return (
    <form class="admin-form" onSubmit={submit} noValidate aria-label="Store settings form">
      <h3>
        {props.initial ? `Edit store ${props.initial.store}` : "Set a store's zone or contact"}
      </h3>
      <TextField
        id="store-id"
        label="Store ID"
        value={store}
        onInput={setStore}
        placeholder="1001"
        error={issues.store}
      />
      <TextField
        id="store-tz"
        label="Store time zone"
        value={tz}
        onInput={setTz}
        placeholder="Europe/Lisbon"
        list="admin-zones"
        hint="Replaces the zone of the window the store inherits; empty: none"
        error={issues.tz}
      />
      <TextField
        id="store-contact"
        label="Contact e-mail"
        type="email"
        value={contact}
        onInput={setContact}
        hint="Told of planned updates; empty: none"
        error={issues.contact}
      />
      <FormOutcome refusal={issues.form ?? refusal} saved={saved} />
      <button type="submit">Save store</button>
    </form>
  );
}

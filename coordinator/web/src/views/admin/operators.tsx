import { useState } from "preact/hooks";
import { type Answer, API_ROUTES, ROLES, type Role } from "../../../../src/api/contract.js";
import { useSession } from "../../shell/session.js";
import { Time } from "../../shell/time.js";
import {
  AdminPage,
  ConfirmButton,
  Refusal,
  refusalText,
  ShownOnce,
  TextField,
  useLoaded,
} from "./admin-kit.js";
import { type FieldIssues, issuesByField, noIssues, topLevelField } from "./form-issues.js";

type Operator = Answer<"listOperators">[number];
type Issued = Answer<"addOperator">;
type OperatorField = "name" | "role" | "scope" | "email";

const fieldOf = topLevelField<OperatorField>(["name", "role", "scope", "email"]);

/** Operators: who may do what, where. A partner admin sees and manages those inside its scope. */
export function OperatorsPage() {
  const { api, may, who } = useSession();
  const list = useLoaded(() => api("listOperators"));
  const [refusal, setRefusal] = useState<string | null>(null);
  const [issued, setIssued] = useState<{ verb: string; answer: Issued } | null>(null);

  const act = async (run: () => Promise<void>) => {
    setRefusal(null);
    try {
      await run();
      list.reload();
    } catch (failure) {
      setRefusal(refusalText(failure));
    }
  };
  const reset = (operator: Operator) =>
    act(async () => {
      const answer = await api("resetOperator", { body: { name: operator.name } });
      setIssued({ verb: "reset", answer });
    });
  const remove = (operator: Operator) =>
    act(async () => {
      await api("removeOperator", { body: { name: operator.name } });
    });

  return (
    <AdminPage
      title="Operators"
      intro="Every person or script is a named operator with a role (viewer, operator, approver, admin) and, optionally, a scope (a business unit group)."
    >
      <Refusal text={list.error ?? refusal} />
      {issued && (
        <ShownOnce
          title={`Operator ${issued.answer.name} ${issued.verb}: password and API token`}
          secrets={[
            { label: "Password", value: issued.answer.password },
            { label: "API token", value: issued.answer.token },
          ]}
          onDone={() => setIssued(null)}
        />
      )}
      <div class="table-wrap">
        <table aria-label="Operators">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Scope</th>
              <th scope="col">E-mail</th>
              <th scope="col">Added</th>
              <th scope="col">Secrets issued</th>
              {(may("resetOperator") || may("removeOperator")) && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {list.data?.map((operator) => (
              <tr key={operator.name} data-operator={operator.name}>
                <td>{operator.name}</td>
                <td>{operator.role}</td>
                <td>{operator.scope ?? "whole fleet"}</td>
                <td>{operator.email ?? ""}</td>
                <td>
                  <Time iso={operator.createdAt} />
                </td>
                <td>
                  <Time iso={operator.secretsIssuedAt} />
                </td>
                {(may("resetOperator") || may("removeOperator")) && (
                  <td>
                    <div class="admin-actions">
                      {may("resetOperator") && (
                        <ConfirmButton
                          label="Reset"
                          ariaLabel={`Reset ${operator.name}`}
                          question={`New password and token for ${operator.name}? The old ones stop at once.`}
                          confirmLabel="Yes, reset"
                          onConfirm={() => reset(operator)}
                        />
                      )}
                      {may("removeOperator") && operator.name !== who.name && (
                        <ConfirmButton
                          label="Remove"
                          ariaLabel={`Remove ${operator.name}`}
                          question={`Remove ${operator.name}? Its token, password and sessions stop at once.`}
                          confirmLabel="Yes, remove"
                          onConfirm={() => remove(operator)}
                        />
                      )}
                    </div>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {may("addOperator") && !issued && (
        <OperatorForm
          ownScope={who.scope}
          onIssued={(answer) => {
            setIssued({ verb: "added", answer });
            list.reload();
          }}
        />
      )}
    </AdminPage>
  );
}

function OperatorForm(props: { ownScope: string | null; onIssued: (answer: Issued) => void }) {
  const { api } = useSession();
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [scope, setScope] = useState(props.ownScope ?? "");
  const [email, setEmail] = useState("");
  const [issues, setIssues] = useState<FieldIssues<OperatorField>>({});
  const [refusal, setRefusal] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setRefusal(null);
    const body = {
      name: name.trim(),
      role,
      scope: scope.trim() === "" ? null : scope.trim(),
      email: email.trim() === "" ? null : email.trim(),
    };
    const checked = API_ROUTES.addOperator.body.schema.safeParse(body);
    const found = checked.success ? {} : issuesByField(checked.error.issues, fieldOf);
    // A partner admin manages operators inside its scope only (the server refuses others too).
    if (props.ownScope !== null && body.scope === null)
      found.scope = `is required: a group inside ${props.ownScope}`;
    setIssues(found);
    if (!checked.success || !noIssues(found)) return;
    try {
      props.onIssued(await api("addOperator", { body: checked.data }));
    } catch (failure) {
      setRefusal(refusalText(failure));
    }
  };

  return (
    <form class="admin-form" onSubmit={submit} noValidate aria-label="Add an operator">
      <h2>Add an operator</h2>
      <TextField
        id="operator-name"
        label="Name"
        value={name}
        onInput={setName}
        placeholder="anna"
        error={issues.name}
      />
      <div class="admin-field">
        <label for="operator-role">Role</label>
        <select
          id="operator-role"
          value={role}
          onChange={(e) => {
            const picked = ROLES.find((r) => r === e.currentTarget.value);
            if (picked) setRole(picked);
          }}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </div>
      <TextField
        id="operator-scope"
        label="Scope"
        value={scope}
        onInput={setScope}
        placeholder="DE/North"
        hint={
          props.ownScope === null
            ? "A business unit group; empty: the whole fleet"
            : `A group inside ${props.ownScope}`
        }
        error={issues.scope}
      />
      <TextField
        id="operator-email"
        label="E-mail"
        type="email"
        value={email}
        onInput={setEmail}
        hint="Optional; partner admins get planning mail there"
        error={issues.email}
      />
      <Refusal text={issues.form ?? refusal} />
      <button type="submit" class="primary">
        Add operator
      </button>
    </form>
  );
}

import { useEffect, useState } from "preact/hooks";
import type { Answer } from "../../../src/api/contract.js";
import type { Api } from "../api/client.js";
import type { SignedIn } from "./session.js";
import { formatTime } from "./time.js";

type Notice = Answer<"notices">["notices"][number];

/** Name and password (the operators' accounts), and the platform maintenance notice from GET /api/notices. */
export function LoginPage(props: {
  api: Api;
  onSignedIn: (session: SignedIn & { csrfToken?: string | undefined }) => void;
}) {
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notices, setNotices] = useState<Notice[]>([]);

  useEffect(() => {
    props.api("notices").then(
      (answer) => setNotices(answer.notices),
      () => setNotices([]),
    );
  }, [props.api]);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await props.api("login", { body: { name, password } });
      props.onSignedIn(session);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <h1>tillroll</h1>
      {notices.map((notice) => (
        <div role="note" class="notice" key={notice.id}>
          <strong>
            {notice.active ? "Platform maintenance now" : "Platform maintenance planned"}
          </strong>
          : {formatTime(notice.from)} – {formatTime(notice.to)}. {notice.reason}
        </div>
      ))}
      <form onSubmit={submit}>
        <label for="login-name">Name</label>
        <input
          id="login-name"
          autocomplete="username"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          required
        />
        <label for="login-password">Password</label>
        <input
          id="login-password"
          type="password"
          autocomplete="current-password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          required
        />
        {error && <p role="alert">{error}</p>}
        <button type="submit" disabled={busy}>
          Log in
        </button>
      </form>
    </main>
  );
}

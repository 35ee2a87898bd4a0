import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../../api/client.js";

/**
 * The pieces every admin view shares: a list loaded from the API (with
 * reload after a change), the server's refusal shown as it said it, a
 * labelled field with its own error, a Remove that asks first, and a
 * secret shown once.
 */

/** The sentence to show for a failed call: the server's own (ApiError), else the error's text. */
export function refusalText(failure: unknown): string {
  if (failure instanceof ApiError) return failure.message;
  return failure instanceof Error ? failure.message : String(failure);
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | null;
  readonly reload: () => void;
}

/** Load once, and again on `reload()` or when `key` changes (a filter). */
export function useLoaded<T>(load: () => Promise<T>, key = ""): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  // `load` is a new closure each render; `key` and `round` say when to load again.
  useEffect(() => {
    let live = true;
    load().then(
      (answer) => {
        if (!live) return;
        setData(answer);
        setError(null);
      },
      (failure: unknown) => {
        if (live) setError(refusalText(failure));
      },
    );
    return () => {
      live = false;
    };
  }, [key, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, reload };
}

/** A refusal or failure, announced to screen readers. */
export function Refusal(props: { text: string | null | undefined }) {
  if (!props.text) return null;
  return (
    <p role="alert" class="admin-refusal">
      {props.text}
    </p>
  );
}

/** A labelled input with the schema's sentence about it beside it. */
export function TextField(props: {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  error?: string | undefined;
  type?: "text" | "email" | "url" | "time" | "datetime-local";
  placeholder?: string;
  hint?: string;
  required?: boolean;
  /** The id of a <datalist> of suggestions. */
  list?: string;
}) {
  const errorId = `${props.id}-error`;
  const hintId = `${props.id}-hint`;
  const described = [props.error ? errorId : "", props.hint ? hintId : ""].filter(Boolean);
  return (
    <div class="admin-field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        // Preact types each input type apart; these all take a text value.
        type={(props.type ?? "text") as "text"}
        value={props.value}
        placeholder={props.placeholder}
        required={props.required}
        list={props.list}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={described.length > 0 ? described.join(" ") : undefined}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      {props.hint && (
        <small id={hintId} class="admin-hint">
          {props.hint}
        </small>
      )}
      {props.error && (
        <small id={errorId} class="admin-field-error">
          {props.error}
        </small>
      )}
    </div>
  );
}

/** A date and time in the viewer's own zone (the page turns it into an instant). */
export function LocalTimeField(props: {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  error?: string | undefined;
  /** Said after "Your local time" (like "not included"). */
  note?: string;
}) {
  return (
    <TextField
      id={props.id}
      label={props.label}
      type="datetime-local"
      value={props.value}
      onInput={props.onInput}
      hint={props.note ? `Your local time; ${props.note}` : "Your local time"}
      error={props.error}
    />
  );
}

/** Under a form: the refusal (role alert) or what was saved (role status). */
export function FormOutcome(props: {
  refusal: string | null | undefined;
  saved: string | null | undefined;
}) {
  return (
    <>
      <Refusal text={props.refusal} />
      {props.saved && (
        <p role="status" class="admin-saved">
          {props.saved}
        </p>
      )}
    </>
  );
}

/** A field's error below a group of controls (a fieldset of checkboxes). */
export function FieldError(props: { id: string; text: string | undefined }) {
  if (!props.text) return null;
  return (
    <small id={props.id} class="admin-field-error">
      {props.text}
    </small>
  );
}

/**
 * A destructive button that asks first, in the page (keyboard-usable, no
 * browser dialog): "Remove" → "Remove window of group DE?" Yes / Keep.
 */
export function ConfirmButton(props: {
  label: string;
  /** The accessible name of the first button, naming what it removes. */
  ariaLabel: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const keep = useRef<HTMLButtonElement>(null);
  // The question replaces the button that had the focus: hand it to the safe answer.
  useEffect(() => {
    if (asking) keep.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" aria-label={props.ariaLabel} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <fieldset class="admin-confirm">
      <legend>{props.question}</legend>
      <button
        type="button"
        class="danger"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            await props.onConfirm();
          } finally {
            setBusy(false);
            setAsking(false);
          }
        }}
      >
        {props.confirmLabel}
      </button>
      <button type="button" ref={keep} onClick={() => setAsking(false)}>
        Keep
      </button>
    </fieldset>
  );
}

/** Secrets the server (or the browser) made, shown this once with a copy hint. */
export function ShownOnce(props: {
  title: string;
  secrets: readonly { label: string; value: string }[];
  onDone: () => void;
}) {
  return (
    <section class="admin-once" aria-label={props.title}>
      <h2>{props.title}</h2>
      <p>Copy them now: they are shown only this once and cannot be read again.</p>
      <dl>
        {props.secrets.map((secret) => (
          <SecretLine key={secret.label} label={secret.label} value={secret.value} />
        ))}
      </dl>
      <button type="button" onClick={props.onDone}>
        Done
      </button>
    </section>
  );
}

function SecretLine(props: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <>
      <dt>{props.label}</dt>
      <dd>
        <code>{props.value}</code>{" "}
        {typeof navigator.clipboard?.writeText === "function" && (
          <button
            type="button"
            aria-label={`Copy ${props.label}`}
            onClick={() =>
              navigator.clipboard.writeText(props.value).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }
          >
            {copied ? "Copied" : "Copy"}
          </button>
        )}
      </dd>
    </>
  );
}

/** A page's heading, what it is for, and its content. */
export function AdminPage(props: { title: string; intro: string; children: ComponentChildren }) {
  return (
    <div class="admin">
      <h1>{props.title}</h1>
      <p class="admin-intro">{props.intro}</p>
      {props.children}
    </div>
  );
}

/** Every IANA zone the browser knows, as suggestions for the zone fields. */
export function ZoneList(props: { id: string }) {
  const zones =
    typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return (
    <datalist id={props.id}>
      {zones.map((zone) => (
        <option key={zone} value={zone} />
      ))}
    </datalist>
  );
}

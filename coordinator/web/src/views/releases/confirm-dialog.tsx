import { useEffect, useRef } from "preact/hooks";

/**
 * Asks once more before an action that undoes work (Roll back, Cancel
 * task). A modal <dialog>: focus moves into it, Escape answers no.
 */
export function ConfirmDialog(props: {
  title: string;
  text: string;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      class="rel-dialog"
      aria-labelledby="rel-dialog-title"
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      <h2 id="rel-dialog-title">{props.title}</h2>
      <p>{props.text}</p>
      <div class="rel-buttons">
        <button type="button" class="danger" onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
        <button type="button" onClick={props.onClose}>
          No, keep it
        </button>
      </div>
    </dialog>
  );
}

import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/**
 * A modal `<dialog>` (role dialog, named by its heading): Escape closes it
 * (the browser's cancel), and focus goes back to what had it before.
 */
export function Modal(props: {
  title: string;
  class?: string;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      if (dialog?.open) dialog.close();
      before?.focus();
    };
  }, []);
  const headingId = `dialog-${props.title.replace(/[^A-Za-z0-9]+/g, "-")}`;
  return (
    <dialog
      ref={ref}
      class={props.class}
      aria-labelledby={headingId}
      onCancel={(event) => {
        event.preventDefault();
        onClose.current();
      }}
    >
      <h2 id={headingId}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}

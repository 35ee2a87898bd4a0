/** The status overview mask (seed 000): built by the status helper. */
export function StatusPage() {
  return <h1>Status overview</h1>;
}

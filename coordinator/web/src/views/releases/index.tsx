/** Release tasks (seed 001, 004): list, process view, create form. */
export function ReleaseListPage() {
  return <h1>Release tasks</h1>;
}

export function ReleasePage(props: { id: string }) {
  return <h1>Release task {props.id}</h1>;
}

export function ReleaseNewPage() {
  return <h1>New release task</h1>;
}

import { followLink } from "../../shell/router.js";
import { useSession } from "../../shell/session.js";
import { Time } from "../../shell/time.js";
import { progressOf, type ReleaseSummary, stateTone } from "./model.js";
import { ProgressBar } from "./progress-bar.js";
import { usePoll } from "./use-poll.js";
import "./releases.css";

/** Release tasks, newest first: state, the stage that is current, progress over all stages. */
export function ReleaseListPage() {
  const { api, may } = useSession();
  const { value, error } = usePoll(() => api("listReleases"), 3000);
  return (
    <section class="releases">
      <div class="rel-heading">
        <h1>Release tasks</h1>
        {may("createRelease") && (
          <a
            class="button primary"
            href="/releases/new"
            onClick={(e) => followLink(e, "/releases/new")}
          >
            New release task
          </a>
        )}
      </div>
      {error && <p role="alert">{error}</p>}
      {value === undefined && !error && <p>Loading…</p>}
      {value !== undefined && value.length === 0 && <p>No release tasks yet.</p>}
      {value !== undefined && value.length > 0 && (
        <div class="table-wrap">
          <table aria-label="Release tasks">
            <thead>
              <tr>
                <th scope="col">ID</th>
                <th scope="col">Name</th>
                <th scope="col">Flow Service</th>
                <th scope="col">Version</th>
                <th scope="col">State</th>
                <th scope="col">Stage</th>
                <th scope="col">Created</th>
                <th scope="col">Progress</th>
              </tr>
            </thead>
            <tbody>
              {value.map((release) => (
                <ReleaseRow key={release.id} release={release} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The stage a reader cares about now: the first not ended, else the last. */
function currentStage(release: ReleaseSummary): string {
  const open = release.stages.find((s) => !["Successful", "Cancelled"].includes(s.state));
  const stage = open ?? release.stages[release.stages.length - 1];
  return stage ? `${stage.name}: ${stage.state}` : "";
}

function ReleaseRow(props: { release: ReleaseSummary }) {
  const release = props.release;
  const href = `/releases/${encodeURIComponent(release.id)}`;
  const progress = progressOf(release.stages);
  return (
    <tr data-release={release.id}>
      <td>{release.id}</td>
      <td>
        <a href={href} onClick={(e) => followLink(e, href)}>
          {release.name}
        </a>
      </td>
      <td>{release.function}</td>
      <td>{release.version}</td>
      <td>
        <span class={`rel-state ${stateTone(release.state)}`}>{release.state}</span>
      </td>
      <td>{currentStage(release)}</td>
      <td>
        {release.createdBy}, <Time iso={release.createdAt} />
      </td>
      <td>
        <ProgressBar
          ok={progress.ok}
          total={progress.total}
          label={`Progress of release task ${release.id}`}
        />
      </td>
    </tr>
  );
}

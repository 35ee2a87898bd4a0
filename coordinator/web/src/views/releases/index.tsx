/** Release tasks (seed 001, 004): list, process view, create form. */
export { ReleaseListPage } from "./release-list.js";
export { ReleaseNewPage } from "./release-new.js";
export { ReleasePage } from "./release-page.js";

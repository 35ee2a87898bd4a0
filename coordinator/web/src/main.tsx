// First: zod's configuration, before any schema is built or used.
import "./zod-jitless.js";
import { render } from "preact";
import { App } from "./shell/app.js";
import "./styles.css";

const root = document.getElementById("app");
if (root) render(<App />, root);

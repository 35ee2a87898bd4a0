// First: before any schema parses (see the file).
import "./zod-jitless.js";
import { render } from "preact";
import { App } from "./shell/app.js";
import "./styles.css";

const root = document.getElementById("app");
if (root) render(<App />, root);

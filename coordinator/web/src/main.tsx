import { render } from "preact";

function App() {
  return <main>tillroll console</main>;
}

const root = document.getElementById("app");
if (root) render(<App />, root);

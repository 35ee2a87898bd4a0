import { ANSWERS } from "./answers.js";
import {
  recipeHistoryAnswer,
  recipeSetAnswer,
  recipeShowAnswer,
  recipeUnsetAnswer,
  updateRowsAnswer,
} from "./recipe-answers.js";
import {
  rebuildBody,
  recipeHistoryQuery,
  recipeSetBody,
  recipeShowQuery,
  recipeUnsetBody,
  updatesQuery,
} from "./recipe-requests.js";
import { noQuery } from "./requests.js";
import { json, NONE, type RouteSpec } from "./route-spec.js";

const change = { method: "POST", auth: "operator", query: noQuery, queryExample: {} } as const;

/** The recipe routes of the API table (issue 13; routes.ts spreads them in at the end). */
export const RECIPE_ROUTES = {
  setRecipe: {
    ...change,
    path: "/api/recipes",
    body: json(recipeSetBody, {
      function: "pos-client",
      group: "DE",
      recipe: {
        env: { SHOP_API_URL: "https://shop.example/api", SHOP_API_TOKEN: "s3cret" },
        files: { "config/receipt.txt": "Thank you for shopping\n" },
        secrets: ["SHOP_API_TOKEN"],
      },
    }),
    status: 200,
    answer: recipeSetAnswer,
    summary:
      "Set a function's recipe at a group, a store or a workstation (versioned); lists the rows it affects",
  },
  showRecipe: {
    method: "GET",
    path: "/api/recipes",
    auth: "operator",
    query: recipeShowQuery,
    queryExample: { function: "pos-client", effective: "1001/01" },
    body: NONE,
    status: 200,
    answer: recipeShowAnswer,
    summary:
      "A function's recipes (at one scope, or all), and with effective=S/W the merged one of that workstation; secrets masked",
  },
  recipeHistory: {
    method: "GET",
    path: "/api/recipes/history",
    auth: "operator",
    query: recipeHistoryQuery,
    queryExample: { function: "pos-client" },
    body: NONE,
    status: 200,
    answer: recipeHistoryAnswer,
    summary: "Every revision of a function's recipes: version, sha256, who, when; secrets masked",
  },
  unsetRecipe: {
    ...change,
    path: "/api/recipes/unset",
    body: json(recipeUnsetBody, { function: "pos-client", group: "DE" }),
    status: 200,
    answer: recipeUnsetAnswer,
    summary:
      "Remove a function's recipe at one scope (kept in its history); lists the rows it affects",
  },
  updates: {
    method: "GET",
    path: "/api/updates",
    auth: "operator",
    query: updatesQuery,
    queryExample: { function: "pos-client", group: "DE" },
    body: NONE,
    status: 200,
    answer: updateRowsAnswer,
    summary: "Rows whose applied recipe differs from their effective one (a rebuild applies it)",
  },
  rebuild: {
    ...change,
    path: "/api/rebuild",
    body: json(rebuildBody, { function: "pos-client", filters: { group: ["DE"] }, dryRun: true }),
    status: 200,
    answer: ANSWERS.ChangeReport,
    summary:
      "Rebuild the matching rows: a new request of the active version with redeploy and the effective recipe",
  },
} as const satisfies Record<string, RouteSpec>;

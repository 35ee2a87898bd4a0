import type { Result } from "@tillroll/protocol";
import type { Operator } from "../accounts/identity.js";
import type { Answer, ParsedBody, ParsedQuery } from "../api/routes.js";
import type { RecipeConsole } from "../recipes/recipe-console.js";
import { HttpError } from "./http-utils.js";
import { releaseAnswer } from "./release-handlers.js";

/**
 * The recipe routes (issue 13): each one call of the recipe console
 * (operations/recipe-operations.ts), which checks role and scope,
 * validates, persists and audits; a refusal's code becomes the HTTP status.
 */
export class RecipeHandlers {
  constructor(private readonly recipes: RecipeConsole | undefined) {}

  private get console(): RecipeConsole {
    if (this.recipes === undefined) throw new HttpError(404, "this coordinator keeps no recipes");
    return this.recipes;
  }

  async set(who: Operator, body: ParsedBody<"setRecipe">): Promise<Result<Answer<"setRecipe">>> {
    return releaseAnswer(await this.console.set(body.function, body.scope, body.recipe, who));
  }

  async unset(
    who: Operator,
    body: ParsedBody<"unsetRecipe">,
  ): Promise<Result<Answer<"unsetRecipe">>> {
    return releaseAnswer(await this.console.unset(body.function, body.scope, who));
  }

  async show(
    who: Operator,
    query: ParsedQuery<"showRecipe">,
  ): Promise<Result<Answer<"showRecipe">>> {
    return releaseAnswer(
      await this.console.show(query.function, query.scope, query.effective, who),
    );
  }

  async history(
    who: Operator,
    query: ParsedQuery<"recipeHistory">,
  ): Promise<Result<Answer<"recipeHistory">>> {
    return releaseAnswer(await this.console.history(query.function, who));
  }

  async updates(who: Operator, query: ParsedQuery<"updates">): Promise<Result<Answer<"updates">>> {
    return releaseAnswer(await this.console.updates(query, who));
  }

  async rebuild(who: Operator, body: ParsedBody<"rebuild">): Promise<Result<Answer<"rebuild">>> {
    return releaseAnswer(await this.console.rebuild(body, who));
  }
}

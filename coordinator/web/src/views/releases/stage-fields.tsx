import { errorProps, FieldError, TextField } from "./field.js";
import type { StageDraft, StageSize } from "./form-model.js";

const SIZE_LABELS: Readonly<Record<StageSize, string>> = {
  rest: "All remaining rows",
  percent: "Percent of the remaining rows",
  count: "Number of rows",
  target: "Stores or groups",
};

/** One stage row: name, how many rows (whole stores at a time), the checkpoint before it. */
export function StageFields(props: {
  index: number;
  stage: StageDraft;
  canRemove: boolean;
  errors: Record<string, string>;
  onChange: (stage: StageDraft) => void;
  onRemove: () => void;
}) {
  const { index, stage, errors } = props;
  const n = index + 1;
  const key = (field: string) => `stages.${index}.${field}`;
  const set = (patch: Partial<StageDraft>) => props.onChange({ ...stage, ...patch });
  return (
    <fieldset class="rel-stage-fields" aria-label={`Stage ${n}`}>
      <legend>Stage {n}</legend>
      <FieldError field={`stages.${index}`} errors={errors} />
      <div class="rel-grid">
        <TextField
          field={key("name")}
          hidden={`Stage ${n} `}
          label="Name"
          value={stage.name}
          errors={errors}
          onInput={(name) => set({ name })}
        />
        <div class="rel-field">
          <label for={`rel-size-${index}`}>
            <span class="rel-vh">Stage {n} </span>Size
          </label>
          <select
            id={`rel-size-${index}`}
            value={stage.size}
            onChange={(e) => set({ size: e.currentTarget.value as StageSize })}
          >
            {(Object.keys(SIZE_LABELS) as StageSize[]).map((size) => (
              <option key={size} value={size}>
                {SIZE_LABELS[size]}
              </option>
            ))}
          </select>
        </div>
        {stage.size === "percent" && (
          <TextField
            field={key("percent")}
            hidden={`Stage ${n} `}
            label="Percent"
            type="number"
            hint="above 0, at most 100"
            value={stage.percent}
            errors={errors}
            onInput={(percent) => set({ percent })}
          />
        )}
        {stage.size === "count" && (
          <TextField
            field={key("count")}
            hidden={`Stage ${n} `}
            label="Count"
            type="number"
            hint="rows, whole stores at a time"
            value={stage.count}
            errors={errors}
            onInput={(count) => set({ count })}
          />
        )}
        {stage.size === "target" && (
          <>
            <TextField
              field={key("target")}
              hidden={`Stage ${n} `}
              label="Stores"
              hint="comma list, e.g. 1001"
              value={stage.stores}
              errors={errors}
              onInput={(stores) => set({ stores })}
            />
            <TextField
              field={`${key("target")}.group`}
              hidden={`Stage ${n} `}
              label="Groups"
              hint="comma list, e.g. DE/North"
              value={stage.groups}
              errors={errors}
              onInput={(groups) => set({ groups })}
            />
          </>
        )}
        <div class="rel-field">
          <label for={errorProps(key("checkpoint"), errors).id}>
            <span class="rel-vh">Stage {n} </span>Checkpoint
          </label>
          <select
            {...errorProps(key("checkpoint"), errors)}
            value={stage.checkpoint}
            onChange={(e) => set({ checkpoint: e.currentTarget.value as StageDraft["checkpoint"] })}
          >
            <option value="none">None</option>
            <option value="approval">Approval (another approver)</option>
            <option value="trigger">Trigger (an operator presses Go)</option>
          </select>
          <FieldError field={key("checkpoint")} errors={errors} />
        </div>
      </div>
      {props.canRemove && (
        <button type="button" onClick={props.onRemove}>
          Remove stage {n}
        </button>
      )}
    </fieldset>
  );
}

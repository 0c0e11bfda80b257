import { Text, useInput } from "ink";

export interface TextInputProps {
  value: string;
  onChange: (value: string) => void;
  onSubmit: (value: string) => void;
  /** Escape. */
  onCancel?: () => void;
  placeholder?: string;
  /** Whether keys go to this input (default true). */
  active?: boolean;
}

/**
 * A one-line text field: typed and pasted text is appended, backspace deletes the last character, ctrl+u
 * clears, enter submits, escape cancels.
 */
export function TextInput({
  value,
  onChange,
  onSubmit,
  onCancel,
  placeholder,
  active = true,
}: TextInputProps) {
  useInput(
    (input, key) => {
      if (key.escape) onCancel?.();
      else if (key.return) onSubmit(value);
      else if (key.backspace || key.delete) onChange(value.slice(0, -1));
      else if (key.ctrl && input === "u") onChange("");
      else if (
        key.ctrl ||
        key.meta ||
        key.upArrow ||
        key.downArrow ||
        key.leftArrow ||
        key.rightArrow ||
        key.tab
      )
        return;
      else if (input) {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are not text.
        const text = input.replace(/[\u0000-\u001f\u007f]/g, "");
        if (text) onChange(value + text);
      }
    },
    { isActive: active },
  );
  return (
    <Text>
      <Text color="cyan">› </Text>
      {value ? <Text>{value}</Text> : placeholder ? <Text dimColor>{placeholder}</Text> : null}
      {active ? <Text inverse> </Text> : null}
    </Text>
  );
}

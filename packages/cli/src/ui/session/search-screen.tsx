import { Box, Text, useInput } from "ink";
import { useRef, useState } from "react";
import { shorten } from "../../dashboard/format.js";
import { TextInput } from "./text-input.js";

export interface DocSearchHit {
  source: string;
  text: string;
  score?: number;
}

export type SearchDocs = (query: string) => Promise<DocSearchHit[]>;

export interface SearchScreenProps {
  searchDocs?: SearchDocs;
  onBack: () => void;
  /** Results shown at once. */
  maxResults?: number;
}

export const NO_RETRIEVER_MESSAGE =
  "No retriever is loaded: add a retriever plugin to `plugins` in kforge.config (docs/plugin-authoring.md has a worked example)";

type SearchState =
  | { state: "idle" }
  | { state: "searching"; query: string }
  | { state: "done"; query: string; hits: DocSearchHit[] }
  | { state: "error"; query: string; message: string };

function NoRetriever({ onBack }: { onBack: () => void }) {
  useInput((input, key) => {
    if (key.escape || key.return || input === "b" || input === "q") onBack();
  });
  return (
    <Box flexDirection="column">
      <Text bold>Search docs</Text>
      <Text color="yellow">{NO_RETRIEVER_MESSAGE}</Text>
      <Box marginTop={1}>
        <Text dimColor>esc back</Text>
      </Box>
    </Box>
  );
}

/** A query field and the passages the loaded retrievers return for it. */
export function SearchScreen({ searchDocs, onBack, maxResults = 8 }: SearchScreenProps) {
  const [query, setQuery] = useState("");
  const [search, setSearch] = useState<SearchState>({ state: "idle" });
  const latest = useRef(0);
  if (!searchDocs) return <NoRetriever onBack={onBack} />;
  const submit = (text: string) => {
    const trimmed = text.trim();
    if (!trimmed) return;
    const ticket = ++latest.current;
    setSearch({ state: "searching", query: trimmed });
    searchDocs(trimmed).then(
      (hits) => {
        if (ticket === latest.current) setSearch({ state: "done", query: trimmed, hits });
      },
      (error: unknown) => {
        if (ticket === latest.current)
          setSearch({
            state: "error",
            query: trimmed,
            message: error instanceof Error ? error.message : String(error),
          });
      },
    );
  };
  return (
    <Box flexDirection="column">
      <Text bold>Search docs</Text>
      <TextInput
        value={query}
        onChange={setQuery}
        onSubmit={submit}
        onCancel={onBack}
        placeholder="e.g. cp.async pipelining, ldmatrix, wgmma"
      />
      {search.state === "searching" ? <Text dimColor>searching for “{search.query}”…</Text> : null}
      {search.state === "error" ? <Text color="red">✖ search failed: {search.message}</Text> : null}
      {search.state === "done" ? (
        <Box flexDirection="column" marginTop={1}>
          <Text dimColor>
            {search.hits.length === 0
              ? `nothing found for “${search.query}” (an empty index? kforge docs ingest datasets/cuda-docs)`
              : `${search.hits.length} passage${search.hits.length === 1 ? "" : "s"} for “${search.query}”${search.hits.length > maxResults ? `, first ${maxResults} shown` : ""}`}
          </Text>
          {search.hits.slice(0, maxResults).map((hit, index) => (
            // Hits are shown in the order returned; the same source may come twice.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above.
            <Box key={`${hit.source}-${index}`} flexDirection="column" marginTop={index === 0 ? 0 : 1}>
              <Text>
                <Text color="cyan">{index + 1}. </Text>
                <Text bold>{shorten(hit.source, 70)}</Text>
                {hit.score === undefined ? "" : <Text dimColor> (score {hit.score.toFixed(3)})</Text>}
              </Text>
              <Text dimColor>
                {"   "}
                {shorten(hit.text, 200)}
              </Text>
            </Box>
          ))}
        </Box>
      ) : null}
      <Box marginTop={1}>
        <Text dimColor>enter search · esc back</Text>
      </Box>
    </Box>
  );
}

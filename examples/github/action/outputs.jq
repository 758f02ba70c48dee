# summary.json -> GITHUB_OUTPUT lines of the composite action (jq -r -f outputs.jq summary.json).
# A count that the summary does not carry is 0: summaries written before a status existed
# (INVALID) have no count for it, and there were none of them. Anything else out of shape is
# an error, so that nothing odd reaches GITHUB_OUTPUT (one key=value per line).
def count(k):
  (.[k] // 0)
  | if type == "number" and . >= 0 and . == floor then tostring
    else error("summary.json: '\(k)' is not a count") end;

def status_word:
  .status
  | if type == "string" and test("^[A-Z][A-Z_]*$") then .
    else error("summary.json: 'status' is not a status word") end;

"status=\(status_word)",
"pass-count=\(count("pass_count"))",
"fail-count=\(count("fail_count"))",
"invalid-count=\(count("invalid_count"))",
"error-count=\(count("error_count"))",
"total-count=\(if has("total_count") then count("total_count") else (.scenarios // [] | length | tostring) end)"

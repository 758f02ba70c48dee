# The page around the scenarios' parts of the HTML report (pipelines/report-html.sh):
#   jq -r --rawfile css tools/compare/report-html.css --arg parts "ID\nID..." -f tools/compare/report-index.jq SUMMARY.json
# SUMMARY.json: `compare --summary --format json`. $parts: the scenarios that have a part.
# Output: the page, with a line "@@PART id@@" where each scenario's part goes.

def esc: tostring | @html;
def badge($s): "<span class=\"badge \($s | gsub("[^A-Z]"; "") | esc)\">"
  + ({PASS: "✔", FAIL: "✘", INVALID: "⚠", ERROR: "⚠"}[$s] // "–") + " \($s | esc)</span>";
def link($id): "<a href=\"#s-\($id | @uri)\">\($id | esc)</a>";

($parts | split("\n") | map(select(. != ""))) as $have
| (.scenarios // []) as $sc
| ($sc | map(select(.status != "PASS"))) as $bad
| "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
  + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
  + "<title>\(.status | esc): load test, \(.pass_count // 0) of \(.total_count // 0) scenarios passed</title>\n"
  + "<style>\n\($css)</style>\n</head>\n<body>\n<header>\n<h1>Controller load test: old against new</h1>\n"
  + "<p class=\"verdict \(.status | gsub("[^A-Z]"; "") | esc)\">\(badge(.status)) "
  + (if (.total_count // 0) == 0 then "No results: no scenario folder with an arm was found."
     else "\(.pass_count) of \(.total_count) scenarios passed"
       + (if (.fail_count // 0) > 0 then ", \(.fail_count) failed" else "" end)
       + (if (.invalid_count // 0) > 0 then ", \(.invalid_count) invalid" else "" end)
       + (if (.error_count // 0) > 0 then ", \(.error_count) could not be judged" else "" end)
       + (if ($bad | length) > 0 then ": " + ($bad | map(link(.id)) | join(", ")) else "" end)
     end)
  + "</p>\n<p class=\"meta\">Generated \(.generated // "" | esc). Old is the baseline build, new the candidate; "
  + "a scenario fails when a row fails its rule. Plots: old <span class=\"k-old\">solid</span>, new <span class=\"k-new\">dashed</span>.</p>\n"
  + "</header>\n<main>\n<section id=\"summary\">\n<table class=\"summary\"><caption>Scenarios</caption>\n"
  + "<thead><tr><th scope=\"col\">Scenario</th><th scope=\"col\">Status</th><th scope=\"col\">Description</th>"
  + "<th scope=\"col\">Actions (expected)</th><th scope=\"col\">Errors</th><th scope=\"col\">Why</th></tr></thead>\n<tbody>\n"
  + ($sc | map(
      "<tr class=\"r-\(.status | ascii_downcase | gsub("[^a-z]"; ""))\"><th scope=\"row\">"
      + (if (.id as $i | $have | index($i)) then link(.id) else (.id | esc) end) + "</th>"
      + "<td>\(badge(.status))</td><td>\(.description // "" | esc)</td>"
      + "<td class=\"num\">\(.action_total // "n/a" | esc)\(if .action_expected != null then " (\(.action_expected | esc))" else "" end)</td>"
      + "<td class=\"num\">\(.errors_total // "n/a" | esc)</td>"
      + "<td class=\"why\">\(if .status == "PASS" then "" else (.reason // (if .status == "ERROR" then "the report could not be built (see make's output)" else "" end)) | esc end)</td></tr>\n")
    | join(""))
  + "</tbody></table>\n</section>\n"
  + ($sc | map(.id as $i | if $have | index($i) then "@@PART \($i)@@\n" else "" end) | join(""))
  + "</main>\n<footer>\n<p class=\"meta\">One file, no external resources: tables and plots (drawn by gnuplot) are inline. "
  + "Each scenario's text and JSON reports sit in its folder (report.txt; compare --format json).</p>\n</footer>\n</body>\n</html>"

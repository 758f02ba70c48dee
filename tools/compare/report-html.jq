# One scenario's part of the HTML report, and the gnuplot script that draws its plots
# (pipelines/report-html.sh runs it). Run as
#   jq -nr --slurpfile report REPORT.json --arg dir SCENARIO_DIR --arg out TMPDIR \
#      -f tools/compare/report-html.jq FILE... /dev/null
# REPORT.json: `compare --scenario ID --format json`. FILEs: the arms' series/*.json
# (`promsnap --series`), run.json and updates.jsonl, as SCENARIO_DIR/ARM/... or, for
# repeats, SCENARIO_DIR/ARM/K/...
# Output: the gnuplot script; a line @@HTML@@; the HTML part, in which a line
# "@@SVG name@@" stands for the plot gnuplot writes to TMPDIR/name.svg.

def esc: tostring | @html;

# A number as a reader wants it: four significant digits, no float noise.
def num:
  if type != "number" then "–"
  elif . == 0 then "0"
  elif (fabs >= 1e15 or fabs < 1e-6) then tostring
  else (fabs | log10 | floor) as $e
    | if $e >= 3 then (. / pow(10; $e - 3) | round) * pow(10; $e - 3)
      else pow(10; 3 - $e) as $m | (. * $m | round) / $m end
    | tostring
  end;
def signed: if type == "number" and . > 0 then "+" + num else num end;

# A gnuplot string.
def gq: "'" + (tostring | gsub("'"; "''")) + "'";

# ---- the runs: every file, sorted into arm and repeat ----

# [arm, repeat, kind, name] of a file under $dir.
def classify($path):
  ($path | ltrimstr($dir + "/") | split("/")) as $p
  | (if ($p | length) > 2 and ($p[1] | test("^[0-9]+$")) then [$p[0], $p[1], $p[2:]]
     else [$p[0], "", $p[1:]] end) as [$arm, $rep, $rest]
  | if $rest == ["run.json"] then [$arm, $rep, "run", null]
    elif $rest == ["updates.jsonl"] then [$arm, $rep, "updates", null]
    elif ($rest | length) == 2 and $rest[0] == "series" and ($rest[1] | endswith(".json"))
    then [$arm, $rep, "series", ($rest[1] | rtrimstr(".json"))]
    else [$arm, $rep, "other", null] end;

# What a series file says: measured, absent (no series: not exposed), error (the query
# failed), or unreadable (not a Prometheus range answer).
def state:
  if type != "object" then "unreadable"
  elif .status == "error" then "error"
  elif .status == "success" and (.data | type) == "object" and .data.resultType == "matrix"
       and (.data.result | type) == "array"
  then (if (.data.result | length) == 0 then "absent" else "measured" end)
  else "unreadable" end;

# A matrix answer as [[seconds since t0, value], ...], summed over its series by time;
# values that are not finite numbers (NaN, ±Inf) are left out.
def points($t0):
  [.data.result[]? | objects | .values? | arrays | .[] | arrays
   | [(.[0] | if type == "number" then . - $t0 else null end), (.[1] | tonumber? // null)]
   | select(.[0] != null and (.[1] | type) == "number" and ((.[1] | isnormal) or .[1] == 0))]
  | group_by(.[0]) | map([.[0][0], (map(.[1]) | add)]);

def num_or_null: if type == "number" then . else null end;

# Update-to-roll latencies of a run: from per-update records when there are any
# (updates.jsonl: scheduled and rolled, unix seconds; an update never rolled keeps the
# curve below 1), else the quantiles run.json keeps.
def latency:
  if (.updates | length) > 0 then
    [.updates[] | objects | select((.scheduled | type) == "number")] as $u
    | ([$u[] | select((.rolled | type) == "number") | .rolled - .scheduled] | sort) as $v
    | if ($u | length) == 0 then null
      else {kind: "ecdf", n: ($u | length),
            points: [range(0; $v | length) as $i | [$v[$i], (($i + 1) / ($u | length))]]} end
  else
    (.run.observed.latency_seconds? // null) as $l
    | if ($l | type) == "object" and (($l.count // 0) > 0) then
        {kind: "quantiles", n: $l.count,
         points: [[$l.p50, 0.5], [$l.p95, 0.95], [$l.p99, 0.99], [$l.max, 1]]
                 | map(select((.[0] | type) == "number"))}
      else null end
  end;

# ---- pieces of the HTML part ----

def badge($s): "<span class=\"badge \($s | esc)\">"
  + ({PASS: "✔", FAIL: "✘", INVALID: "⚠", ERROR: "⚠"}[$s] // "?") + " \($s | esc)</span>";
def status_cell($s): "<td class=\"st st-\($s | gsub("[^a-z]"; ""))\">"
  + ({pass: "✔ ", fail: "✘ ", error: "⚠ ", info: "· ", "n/a": "– "}[$s] // "") + ($s | esc) + "</td>";
def value($row; $a):
  $row[$a] as $v
  | if $v == null then "–"
    elif $v.state == "measured" then
      ($v.value | num)
      + (if $row.repeats[$a].median_ci? then " <span class=\"ci\">[\($row.repeats[$a].median_ci[0] | num), \($row.repeats[$a].median_ci[1] | num)]</span>" else "" end)
      + (if $row.repeats[$a].n? then " <span class=\"n\">n=\($row.repeats[$a].n)</span>" else "" end)
    elif $v.state == "query_error" then "<span class=\"err\">error</span>"
    else "<span class=\"na\" title=\"\($v.why // "not measured" | esc)\">n/a</span>" end
  | . + (if ($v.expected? | type) == "number"
         then " <span class=\"exp\">exp \($v.expected | num)\(if $v.meets_expected == true then " ✓" elif $v.meets_expected == false then " ✗" else "" end)</span>"
         else "" end);
def change($row):
  if $row.repeats.change? then
    $row.repeats.change as $c
    | (if $c.kind == "ratio_of_medians" then "×\($c.estimate | num) <span class=\"ci\">[\($c.ci[0] | num), \($c.ci[1] | num)]</span>"
       else "\($c.estimate | signed) <span class=\"ci\">[\($c.ci[0] | signed), \($c.ci[1] | signed)]</span>" end)
      + (if ($row.repeats.p_adjusted | type) == "number" then "<br><span class=\"p\">p<sub>adj</sub> = \($row.repeats.p_adjusted | num)</span>" else "" end)
      + (if ($row.repeats.verdict // "") != "" then " <span class=\"vword\">\($row.repeats.verdict | esc)</span>" else "" end)
  elif $row.repeats.exact? then
    "exact \(($row.repeats.repeats_judged // 0) - ($row.repeats.repeats_failed // 0))/\($row.repeats.repeats_judged // 0)"
  elif ($row.diff_pct | type) == "number" then "\($row.diff_pct * 10 | round / 10 | signed)%"
  else "–" end;
def row_html:
  "<tr class=\"r-\(.status | gsub("[^a-z]"; ""))\"><th scope=\"row\">\(.display_name | esc)</th>"
  + "<td>\(value(.; "old"))</td><td>\(value(.; "new"))</td><td>\(change(.))</td>"
  + status_cell(.status) + "<td class=\"why\">\(.reason // "" | esc)"
  + (if .warning then "<br><span class=\"warn\">\(.warning | esc)</span>" else "" end) + "</td></tr>\n";
def rows_table($rows; $caption):
  "<table class=\"rows\"><caption>\($caption | esc)</caption>\n"
  + "<thead><tr><th scope=\"col\">Metric</th><th scope=\"col\">Old</th><th scope=\"col\">New</th>"
  + "<th scope=\"col\">Change</th><th scope=\"col\">Status</th><th scope=\"col\">Why</th></tr></thead>\n<tbody>\n"
  + ($rows | map(row_html) | join("")) + "</tbody></table>\n";
def legend:
  "<span class=\"key\"><svg width=\"36\" height=\"10\" aria-hidden=\"true\"><line x1=\"0\" y1=\"5\" x2=\"36\" y2=\"5\" stroke=\"#1b4f9c\" stroke-width=\"2.2\"/></svg> old</span>"
  + " <span class=\"key\"><svg width=\"36\" height=\"10\" aria-hidden=\"true\"><line x1=\"0\" y1=\"5\" x2=\"36\" y2=\"5\" stroke=\"#e07000\" stroke-width=\"2.2\" stroke-dasharray=\"7 4\"/></svg> new</span>";

def catalogue:
  [["cpu_cores", "CPU", "cores", 1],
   ["memory_rss_bytes", "RSS", "MiB", 1048576],
   ["memory_heap_bytes", "Go heap", "MiB", 1048576],
   ["goroutines", "Goroutines", "", 1],
   ["reload_rate", "Reloads", "per s", 1],
   ["reconcile_rate", "Reconciles", "per s", 1],
   ["action_rate", "Actions", "per s", 1],
   ["api_request_rate", "API requests", "per s", 1],
   ["api_error_rate", "API errors (4xx, 5xx)", "per s", 1],
   ["workqueue_depth", "Workqueue depth", "", 1]]
  | map({name: .[0], title: .[1], unit: .[2], scale: .[3]});

# Everything the plots and the part are drawn from, read from the inputs.
def model($r):
  (reduce inputs as $doc ({};
      classify(input_filename) as [$arm, $rep, $kind, $name]
      | ($arm + "/" + $rep) as $k
      | if $kind == "other" or ($arm != "old" and $arm != "new") then .
        else (.[$k] //= {arm: $arm, repeat: $rep, series: {}, updates: []})
          | if $kind == "run" then .[$k].run = (if ($doc | type) == "object" then $doc else {} end)
            elif $kind == "series" then .[$k].series[$name] = $doc
            else .[$k].updates += [$doc] end
        end)) as $byrun
  | [$byrun[]
     | (.run.start? | num_or_null) as $start
     | ($start // ([.series[] | select(state == "measured") | points(0)[][0]] | min) // 0) as $t0
     | . + {t0: $t0,
            span: (((.run.end? | num_or_null) // null) as $e | if $e then $e - $t0 else null end),
            phase: (if (.run.update_phase.start? | num_or_null) and (.run.update_phase.end? | num_or_null)
                    then [.run.update_phase.start - $t0, .run.update_phase.end - $t0] else null end),
            restart: ((.run.restart.at? | num_or_null) as $a | if $a then $a - $t0 else null end),
            latency: latency,
            states: (.series | map_values(state)),
            pts: (.series | map_values(if state == "measured" then points($t0) else [] end))}]
    | sort_by((if .arm == "old" then 0 else 1 end), (.repeat | if . == "" then 0 else tonumber end))
    | . as $runs
  | ($runs | map(select(.arm == "old")) | length) as $nold
  | ($runs | map(select(.arm == "new")) | length) as $nnew
  | ($runs | map(.series | keys[]) | unique) as $names
  | ((catalogue | map(select(.name as $n | $names | index($n))))
     + ($names - (catalogue | map(.name)) | map({name: ., title: ., unit: "", scale: 1}))) as $shown
  | ([$runs[] | .span // (.pts[] | .[-1][0]?) // empty] | max // 0) as $xmax
  | ([$runs[] | .phase // empty]) as $phases
  # A series is drawn when one run measured it; what each arm lacks is said beside it.
  | [$shown[] | . as $s
     | {s: $s,
        runs: [$runs[] | select(.states[$s.name] == "measured")],
        notes: [("old", "new") as $a
                | [$runs[] | select(.arm == $a) | .states[$s.name] // "missing"] as $st
                | if ($st | length) == 0 or ($st | index("measured")) then empty
                  else "\($a): " + (if $st | index("error") then "query failed"
                                    elif $st | index("unreadable") then "unreadable file"
                                    elif $st | index("absent") then "not exposed"
                                    else "not recorded" end) end]}] as $series
  | ($series | map(select(.runs | length > 0))) as $panels
  | ($runs | map(select(.latency != null and (.latency.points | length) > 0))) as $lat
  | [$r.rows[] | select(.repeats and (.repeats.exact | not)
                        and ((.repeats.old.values // []) | length) >= 2
                        and ((.repeats.new.values // []) | length) >= 2)] as $reprows
  | ($reprows | map(select((.old.value | type) == "number" and .old.value > 0))) as $dots
  | {r: $r, runs: $runs, nold: $nold, nnew: $nnew, names: $names, series: $series, panels: $panels,
     xmax: $xmax, phases: $phases, lat: $lat, reprows: $reprows, dots: $dots};

# The gnuplot commands (the data comes first, from datablocks).
def plot_commands($m):
  $m.panels as $panels | $m.runs as $runs | $m.xmax as $xmax | $m.phases as $phases
  | $m.lat as $lat | $m.dots as $dots
  | ([$panels | length, 1] | max) as $np
  | (($np + 1) / 2 | floor) as $rows
  | ($rows * 215 + 57) as $tsh
  | ($dots | length * 22 + 110) as $reph
  | (
    "set terminal svg size 1200,\($tsh) dynamic font 'Helvetica,12' background '#ffffff' noenhanced\n"
    + "set termoption noenhanced\n"
    + "set style line 1 lc rgb '#1b4f9c' lw 1.6 dt 1 pt 7 ps 0.7\n"
    + "set style line 2 lc rgb '#e07000' lw 1.6 dt (7,4) pt 9 ps 0.8\n"
    + "set border 3 lc rgb '#555555'\nset tics nomirror\nset grid ytics lc rgb '#dddddd' lw 0.5 dt 1\n"
    # ... time series: one panel per series, two columns, one time axis.
    + (if ($panels | length) == 0 then "" else
        "set output \(($out + "/ts.svg") | gq)\n"
        + "set multiplot layout \($rows),2 margins 0.06,0.985,\(60 / $tsh),\(1 - 26 / $tsh) spacing 0.07,\(74 / $tsh)\n"
        + ([$panels | to_entries[] | .key as $i | .value as $p
            | ([$p.runs[] | .pts[$p.s.name][][1] / $p.s.scale] | [min, max]) as [$lo, $hi]
            | "unset label\nunset object\nunset arrow\nunset key\n"
              + "set title \(($p.s.title + (if $p.s.unit != "" then " (\($p.s.unit))" else "" end)
                                + ($p.notes | if length > 0 then " — " + join(", ") else "" end)) | gq) font ',13' offset 0,-0.4\n"
              + "set xrange [0:\([$xmax, 1] | max)]\n"
              + "set yrange [\([$lo, 0] | min):\(if $hi > 0 then $hi * 1.08 elif $hi == $lo then 1 else 0 end)]\n"
              + "set format y '%g'\n"
              + (if $i >= ($panels | length) - 2 then "set xlabel 's since the arm started'\n" else "unset xlabel\n" end)
              + (if ($phases | length) > 0
                 then "set object 1 rect from \($phases | map(.[0]) | min), graph 0 to \($phases | map(.[1]) | max), graph 1 behind fillcolor rgb '#ececec' fillstyle solid 1.0 noborder\n"
                 else "" end)
              + ([$runs[] | select(.restart) | "set arrow from \(.restart), graph 0 to \(.restart), graph 1 nohead ls \(if .arm == "old" then 1 else 2 end) dt 3 lw 1\n"] | join(""))
              + "plot " + ([$p.runs[] | "$d_\(.arm)_\(.repeat)_\($p.s.name) using 1:($2/\($p.s.scale)) with lines ls \(if .arm == "old" then 1 else 2 end)\(if .repeat != "" then " lw 0.8" else "" end) notitle"] | join(", ")) + "\n"]
           | join(""))
        + "unset multiplot\nunset object\nunset arrow\nunset label\nunset title\n" end)
    # ... update-to-roll latency: a CDF per run.
    + (if ($lat | length) == 0 then "" else
        "set terminal svg size 600,340 dynamic font 'Helvetica,12' background '#ffffff' noenhanced\n"
        + "set output \(($out + "/latency.svg") | gq)\n"
        + "set xlabel 's from the update to the roll'\nset ylabel 'share of updates'\n"
        + "set xrange [0:*]\nset yrange [0:1.02]\nset key bottom right\nset grid xtics ytics\n"
        + "plot " + ([$lat | to_entries[] | .key as $i | .value as $l
                      | "$lat_\($l.arm)_\($l.repeat) using 1:2 with \(if $l.latency.kind == "ecdf" then "steps" else "linespoints" end) ls \(if $l.arm == "old" then 1 else 2 end) "
                        + (if ($lat[:$i] | map(.arm) | index($l.arm)) then "notitle" else "title \($l.arm | gq)" end)]
                     | join(", ")) + "\n" end)
    # ... per-repeat values of the statistical rows, relative to old's median.
    + (if ($dots | length) == 0 then "" else
        "set terminal svg size 600,\($reph) dynamic font 'Helvetica,11' background '#ffffff' noenhanced\n"
        + "set output \(($out + "/repeats.svg") | gq)\n"
        + "unset ylabel\nset xlabel 'value / median of old (log scale)'\nset logscale x 2\nset xrange [*:*]\nset format x '%g'\n"
        + "set yrange [-0.6:\(($dots | length) - 0.4)]\nset lmargin at screen 0.42\nset rmargin at screen 0.97\nset grid xtics noytics\n"
        + "set ytics (" + ([$dots | to_entries[] | "\(.value.display_name | gq) \(($dots | length) - 1 - .key)"] | join(", ")) + ")\n"
        + "set arrow from 1, graph 0 to 1, graph 1 nohead lc rgb '#777777' dt 3\n"
        + "set key outside top center horizontal\n"
        + "plot $rep_old using 1:2 with points ls 1 title 'old', $rep_new using 1:2 with points ls 2 title 'new'\n" end)
  );

# The data of every plot, as gnuplot datablocks.
def datablocks($m):
  $m.panels as $panels | $m.lat as $lat | $m.dots as $dots
  | ([$panels[] | .s as $s | .runs[]
    | "$d_\(.arm)_\(.repeat)_\($s.name) << EOD\n"
      + (.pts[$s.name] as $pts
         # A step longer than 1.5 times the usual one is a gap: a break in the line.
         | ([range(1; $pts | length) | $pts[.][0] - $pts[. - 1][0]] | min // 0) as $step
         | [range(0; $pts | length) as $i
            | (if $i > 0 and $step > 0 and ($pts[$i][0] - $pts[$i - 1][0]) > 1.5 * $step then "\n" else "" end)
              + "\($pts[$i][0]) \($pts[$i][1])\n"] | join(""))
      + "EOD\n"]
   + [$lat[] | "$lat_\(.arm)_\(.repeat) << EOD\n" + (.latency.points | map("\(.[0]) \(.[1])\n") | join("")) + "EOD\n"]
   + (if ($dots | length) == 0 then [] else
       [("old", "new") as $a
        | "$rep_\($a) << EOD\n"
          + ([$dots | to_entries[] | .value.old.value as $m | (($dots | length) - 1 - .key) as $y
              | .value.repeats[$a].values[] | select(type == "number" and . > 0)
              | "\(. / $m) \($y + (if $a == "old" then 0.15 else -0.15 end))\n"] | join(""))
          + "EOD\n"] end)
   | join(""));

# The HTML part of the scenario.
def html_part($m):
  $m.r as $r | $m.runs as $runs | $m.series as $series | $m.panels as $panels | $m.phases as $phases
  | $m.lat as $lat | $m.dots as $dots | $m.reprows as $reprows | $m.nold as $nold | $m.nnew as $nnew
  | $m.names as $names
  | "<section class=\"scenario\" id=\"s-\($r.scenario | esc)\">\n"
  + "<h2>\(badge($r.status)) \($r.scenario | esc)"
  + (if $r.description then " <span class=\"desc\">\($r.description | esc)</span>" else "" end) + "</h2>\n"
  + "<p class=\"summary\">\($r.summary // "" | esc)</p>\n"
  + (if $r.invalid_reason then "<p class=\"problem\">⚠ \($r.invalid_reason | esc)</p>\n" else "" end)
  + ([($r.arm_failures // {}) | to_entries[] | "<p class=\"problem\">✘ arm \(.key | esc) failed: \(.value | esc)</p>\n"] | join(""))
  + ([($r.arm_invalid // {}) | to_entries[] | "<p class=\"problem\">⚠ arm \(.key | esc) is invalid: \(.value | esc)</p>\n"] | join(""))
  + (if $r.repeats then "<p class=\"meta\">Repeats: old \($r.repeats.old), new \($r.repeats.new); α = \($r.alpha | num). Values are medians [95 % interval]; the change is new against old, with Holm-adjusted p.</p>\n" else "" end)
  + (if $r.mode == "single" then "<p class=\"meta\">Only the \($r.arm // "one" | esc) arm ran: rows are judged against expectations alone.</p>\n" else "" end)
  + ([$r.checks[]? | select(.ok == false)] as $bad
     | if ($bad | length) == 0 then "" else
         "<table class=\"rows checks\"><caption>Run checks that failed</caption>\n<thead><tr><th scope=\"col\">Arm</th><th scope=\"col\">Check</th><th scope=\"col\">Measured</th><th scope=\"col\">Required</th></tr></thead>\n<tbody>\n"
         + ($bad | map("<tr class=\"r-fail\"><td>\(.arm | esc)\(if .repeat then " #\(.repeat)" else "" end)</td><th scope=\"row\">\(.name | esc)</th><td>\(.value // "" | esc)</td><td>\(.required // "" | esc)</td></tr>\n") | join(""))
         + "</tbody></table>\n" end)
  + ([$r.rows[]? | select(.status == "fail" or .status == "error")] as $bad
     | if ($bad | length) == 0 then "" else rows_table($bad; "Rows that failed") end)
  + (if ($panels | length) > 0 then
      "<figure class=\"plot ts\">\n@@SVG ts@@\n<figcaption>\(legend) — old against new over time, in seconds since each arm started"
      + (if $nold > 1 or $nnew > 1 then " (a line per repeat)" else "" end)
      + (if ($phases | length) > 0 then "; the grey band is the update phase" else "" end)
      + (if ($runs | map(select(.restart)) | length) > 0 then "; dotted lines: controller restarts" else "" end) + "."
      + ([$series[] | select(.runs | length == 0) | "\(.s.title | esc) (\(.notes | join(", ") | esc))"] as $none
         | if ($none | length) > 0 then " Not drawn: " + ($none | join("; ")) + "." else "" end)
      + "</figcaption>\n</figure>\n"
    elif ($runs | length) > 0 and ($names | length) > 0 then
      "<p class=\"noplot\">No time series to draw: " + ([$series[] | "\(.s.title | esc) (\(.notes | join(", ") | esc))"] | join("; ")) + ".</p>\n"
    else "<p class=\"noplot\">No time series recorded for this scenario (promsnap --series).</p>\n" end)
  + "<div class=\"pair\">\n"
  + (if ($lat | length) > 0 then
      "<figure class=\"plot lat\">\n@@SVG latency@@\n<figcaption>Update-to-roll latency, cumulative: the share of updates whose roll came within x seconds."
      + (if ($lat | map(.latency.kind) | index("quantiles")) then " From the quantiles each run kept (p50, p95, p99, max; the lines between them are not measured): the driver keeps no per-update records." else "" end)
      + "</figcaption>\n</figure>\n"
    else "<p class=\"noplot\">No update-to-roll latencies recorded.</p>\n" end)
  + (if ($dots | length) > 0 then
      "<figure class=\"plot rep\">\n@@SVG repeats@@\n<figcaption>Each repeat's value of the rows judged over repeats, divided by old's median (1 = old's median)."
      + (($reprows - $dots) | if length > 0 then " Not drawn (old's median is not above 0): " + (map(.display_name | esc) | join(", ")) + "." else "" end)
      + "</figcaption>\n</figure>\n"
    else "" end)
  + "</div>\n"
  + rows_table($r.rows // []; "Every row (\(($r.rows // []) | length))")
  + "</section>\n";

$report[0] as $r
| model($r) as $m
| datablocks($m) + plot_commands($m) + "@@HTML@@\n" + html_part($m)

# Independent oracles of the live tests: what the API server holds, read by the test itself
# (api_state in cluster.bash), checked against the scenario's wiring written in the test.
# Nothing here reads a file that a tool of this project wrote.

# state_of($items): the document api_state writes (before hashing), from the items of a
# `kubectl get -o json` List (each item with its kind).
def state_of($items):
	{
		workloads: [$items[] | select(.kind == "Deployment" or .kind == "StatefulSet" or .kind == "DaemonSet")
			| .spec.template as $t
			| {
				kind,
				name: .metadata.name,
				generation: .metadata.generation,
				env: ([$t.spec | ((.containers // [])[], (.initContainers // [])[])
					| (.env // [])[] | {(.name): .value}] | add // {}),
				annotations: ($t.metadata.annotations // {})
			}],
		objects: ([$items[] | select(.kind == "ConfigMap" or .kind == "Secret") | .kind as $k
			| (.data // {} | if $k == "Secret" then map_values(@base64d) else . end) as $d
			| {
				("\($k)/\(.metadata.name)"): {
					kind: $k,
					name: .metadata.name,
					data: $d,
					annotations: (.metadata.annotations // {}),
					# What Reloader hashes: sorted key=value pairs joined by ";".
					canon: ($d | to_entries | map("\(.key)=\(.value)") | sort | join(";"))
				}
			}] | add // {})
	};

# The env var Reloader's env-vars strategy writes for an object ("ConfigMap/name"):
# STAKATER_<NAME>_CONFIGMAP or _SECRET, each run of other characters made one "_".
def envname: split("/") as [$k, $n]
	| "STAKATER_" + ($n | ascii_upcase | gsub("[^A-Z0-9]+"; "_"))
	+ (if $k == "Secret" then "_SECRET" else "_CONFIGMAP" end);

def annotation_key: "reloader.stakater.com/last-reloaded-from";

# The largest update number the driver stamped on the objects ("value-N" in the data, or the
# touched annotation of a no-op write): updates are numbered 1, 2, ... as sent, so with every
# update a success this is how many were made, as the API server holds them.
def last_update:
	[.objects[] | (.data[] | strings | capture("^value-(?<n>[0-9]+)$").n),
		(.annotations["loadtest.reloader.stakater.com/touched"] // empty)
		| tonumber] | max // 0;

# The pod-template changes the API server counted: a workload is created at generation 1, and
# in these scenarios only a reload changes its spec.
def generation_rolls: [.workloads[].generation - 1] | add // 0;

# template_problems(refs; initial; $mode): one line per disagreement between a workload's pod
# template and the objects it references, both as the API server holds them.
#   refs     the "Kind/name" objects a workload (the input: {kind, name}) references: the
#            scenario file's wiring, written out in the test
#   initial  an object's data as the scenario created it (input: the object)
#   $mode    "env": env-vars strategy, every change delivered: a workload whose objects
#                    changed carries each changed object's env var with the hash of its
#                    current content (it converged), and none for the others
#            "annotation": annotations strategy: the annotation names a changed object and
#                    carries its current hash; no env var at all
#            "lossy": env-vars strategy where changes may be lost (a restart): only
#                    consistency (rolled if and only if stamped, stamps only for changed
#                    objects)
# In every mode a workload none of whose objects changed was never rolled and carries nothing.
def template_problems(refs; initial; $mode):
	.objects as $obj
	| .workloads[]
	| . as $w
	| "\(.kind)/\(.name)" as $id
	| [refs] | flatten as $refs
	| ([$refs[] | select($obj[.] == null)]) as $unknown
	| ([$refs[] | select($obj[.] != null and ($obj[.] | .data != initial))]) as $changed
	| ([$w.env | keys[] | select(startswith("STAKATER_"))]) as $stamps
	| ($changed | map(envname)) as $want
	| ($w.annotations[annotation_key]) as $annot
	| if ($unknown | length) > 0 then "\($id): references \($unknown | join(", ")), not on the API server"
	elif ($changed | length) == 0 then
		(if $w.generation != 1 then "\($id): rolled (generation \($w.generation)) though nothing it references changed" else empty end),
		(if ($stamps | length) > 0 then "\($id): carries \($stamps | join(", ")) though nothing it references changed" else empty end),
		(if $annot != null then "\($id): carries \(annotation_key) though nothing it references changed" else empty end)
	elif $mode == "env" then
		(if $w.generation < 2 then "\($id): never rolled though \($changed | join(", ")) changed" else empty end),
		($changed[] | . as $r | envname as $e
			| if $w.env[$e] == null then "\($id): no \($e) though \($r) changed"
			elif $w.env[$e] != $obj[$r].hash then "\($id): \($e)=\($w.env[$e]), not the hash of \($r)'s current content (\($obj[$r].hash))"
			else empty end),
		($stamps - $want | if length > 0 then "\($id): carries \(join(", ")) for objects that did not change" else empty end)
	elif $mode == "annotation" then
		(if ($stamps | length) > 0 then "\($id): carries \($stamps | join(", ")) under the annotations strategy" else empty end),
		(if $annot == null then "\($id): no \(annotation_key) though \($changed | join(", ")) changed"
		else ($annot | try fromjson catch null) as $a
			| if $a == null then "\($id): \(annotation_key) is not JSON: \($annot)"
			elif ([$changed[] | select($obj[.].name == $a.name and $obj[.].hash == $a.hash)] | length) == 0
			then "\($id): \(annotation_key) names \($a.name) with hash \($a.hash), not a changed object's current hash"
			else empty end
		end)
	elif $mode == "lossy" then
		(if ($w.generation > 1) != (($stamps | length) > 0) then "\($id): generation \($w.generation) but stamps [\($stamps | join(", "))]" else empty end),
		($stamps - $want | if length > 0 then "\($id): carries \(join(", ")) for objects that did not change" else empty end)
	else "unknown mode \($mode)" end;

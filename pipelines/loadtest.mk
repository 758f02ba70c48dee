# The load-test pipeline, included by the Makefile. Stages are files under RESULTS_DIR:
#   .state/cluster-K.ready   cluster K of the pool is up (kubeconfig, Prometheus URL)
#   .state/cluster-K.created cluster K was made by this pipeline and not deleted yet
#   S/old, S/new             one arm's results (run.json, expected.json, snapshots, log)
#   S/arms.done              every arm of S has run
#   S/report.txt, summary.*  the verdict
# An interrupted run resumes where it stopped; `make report` reuses everything cached.
#
# One scenario, S2, from `make loadtest` to its report:
#   loadtest-deps     packages (pipelines/deps.sh), then bin/ (a make of its own: the
#                     recipes below run bin/kindctl while make expands them)
#   loadtest-check    pipelines/check.sh: the variables; S2/arms.done goes if S2 must run again
#   loadtest          pipelines/setup.sh (binaries), then one make -jN of loadtest-reports
#                     (N = LT_N clusters), then the clusters go down and the summary is shown
#   S2/report.txt     (Makefile) compare, once S2/arms.done exists, which needs ...
#   S2/arms.done      pipelines/run-scenario.sh: both arms of S2 on whichever cluster is
#                     free (kindctl arm-start, scenario, promsnap, kindctl arm-stop), which
#                     needs every .state/cluster-K.ready (pipelines/cluster-up.sh)
#   summary.*         (Makefile) compare --summary over every report

comma := ,
ALL_SCENARIOS := S1 S2 S3 S4 S5 S6 S7 S8 S9 S10 S11 S12 S13 S14
# The reference's CI runs these for a quick check (its `make loadtest-quick`).
QUICK_SCENARIOS := S1,S4,S6
# The reference's make variables (LOADTEST_OLD_IMAGE ...) are accepted as aliases of ours.
SCENARIOS ?= $(or $(LOADTEST_SCENARIOS),all)
DURATION ?= $(or $(LOADTEST_DURATION),60)
OLD_IMAGE ?= $(LOADTEST_OLD_IMAGE)
NEW_IMAGE ?= $(LOADTEST_NEW_IMAGE)
PARALLELISM ?= 1
PROVIDER ?= auto
SKIP_CLUSTER ?=
SKIP_IMAGE_LOAD ?=
KEEP_CLUSTER ?=
CLUSTER_NAME ?=
CONTEXTS ?=
PROMETHEUS_URL ?=
# Exported, not written on the stages' command lines: make echoes those, and the URL may
# carry a password.
export PROMETHEUS_URL
SEED ?= 1
# Runs per arm: N >= 2 gives the statistical verdict (ARM/1..N, interleaved arms).
REPEATS ?= 1
# Injected regression: that arm's API requests held so many ms by a proxy (local provider only).
OLD_API_DELAY_MS ?=
NEW_API_DELAY_MS ?=
# Scaled scenarios: every object count times SCALE; SET=KEY=VALUE,... changes values (bin/scenario --set).
SCALE ?= 1
SET ?=

# SCENARIOS: IDs (S2), `all`, and scenario files (a path, or a name ending in .yaml): a
# file's results folder is its base name without .yaml.
lt_is_file = $(if $(findstring /,$(1))$(filter %.yaml %.yml,$(1)),1)
lt_name = $(if $(call lt_is_file,$(1)),$(basename $(notdir $(1))),$(1))
lt_uniq = $(if $(1),$(firstword $(1)) $(call lt_uniq,$(filter-out $(firstword $(1)),$(1))))
LT_ENTRIES := $(strip $(call lt_uniq,$(foreach s,$(subst $(comma), ,$(SCENARIOS)),$(if $(filter all,$(s)),$(ALL_SCENARIOS),$(s)))))
LT_SCENARIOS := $(foreach s,$(LT_ENTRIES),$(call lt_name,$(s)))
# lt_file NAME: the scenario file named NAME in SCENARIOS (absolute), or nothing for an ID.
lt_file = $(abspath $(firstword $(foreach s,$(LT_ENTRIES),$(if $(call lt_is_file,$(s)),$(if $(filter $(1),$(call lt_name,$(s))),$(s))))))
LT_STATE := $(RESULTS_DIR)/.state

# auto: kind where a container engine answers, else the local control plane.
# (Computed once, when first used: plain builds and tests never ask. It runs bin/kindctl,
# so only recipes that run after loadtest-deps may use it.)
LT_PROVIDER = $(eval LT_PROVIDER := $(if $(filter auto,$(PROVIDER)),$(shell $(BIN)/kindctl detect-provider 2>/dev/null || echo local),$(PROVIDER)))$(LT_PROVIDER)
# With no image named, the default comparison: the last release without the newer
# controller metrics against the newest.
ifeq ($(OLD_IMAGE)$(NEW_IMAGE),)
LT_OLD_IMAGE := stakater/reloader:v1.4.12
LT_NEW_IMAGE := stakater/reloader:v1.4.21
else
LT_OLD_IMAGE := $(OLD_IMAGE)
LT_NEW_IMAGE := $(NEW_IMAGE)
endif
# Reloader's metrics port is hard-coded (:9090): on the local provider arms run at once only
# in network namespaces of their own (root; `kindctl netns-check` says "yes" or "no: why"),
# else the local pool has one cluster. kind runs N; existing runs one per context.
# LT_NETNS and LT_N, like LT_PROVIDER, are worked out once, the first time a recipe uses
# them ($(eval) replaces the variable by its value): not at all in builds and tests, and
# not before bin/kindctl exists.
LT_NETNS = $(eval LT_NETNS := $(shell $(BIN)/kindctl netns-check 2>&1))$(LT_NETNS)
LT_MAX := $(words $(LT_SCENARIOS))
LT_WANT = $(if $(filter local,$(LT_PROVIDER)),$(if $(filter yes,$(LT_NETNS)),$(PARALLELISM),1),$(if $(filter existing,$(LT_PROVIDER)),$(words $(subst $(comma), ,$(CONTEXTS))),$(PARALLELISM)))
LT_N = $(eval LT_N := $(shell n=$(LT_WANT); m=$(LT_MAX); [ "$$n" -gt "$$m" ] 2>/dev/null && n=$$m; [ "$$n" -ge 1 ] 2>/dev/null || n=1; echo $$n))$(LT_N)
LT_CLUSTERS = $(shell seq 0 $$(( $(LT_N) - 1 )))

# The tools the stages run (the tests point this at stubs).
LT_BIN ?= $(CURDIR)/$(BIN)
LT_ENV = STATE=$(LT_STATE) RESULTS_DIR=$(RESULTS_DIR) PROVIDER=$(LT_PROVIDER) DURATION=$(DURATION) \
	OLD_IMAGE='$(LT_OLD_IMAGE)' NEW_IMAGE='$(LT_NEW_IMAGE)' SKIP_CLUSTER=$(SKIP_CLUSTER) \
	SKIP_IMAGE_LOAD=$(SKIP_IMAGE_LOAD) KEEP_CLUSTER=$(KEEP_CLUSTER) CLUSTER_NAME='$(CLUSTER_NAME)' \
	CONTEXTS='$(CONTEXTS)' SEED=$(SEED) REPEATS=$(REPEATS) \
	OLD_API_DELAY_MS='$(OLD_API_DELAY_MS)' NEW_API_DELAY_MS='$(NEW_API_DELAY_MS)' LOADTEST_BIN=$(LT_BIN) \
	SCALE='$(SCALE)' SET='$(SET)'

.PHONY: loadtest loadtest-quick loadtest-full loadtest-clean
.PHONY: loadtest-deps loadtest-check loadtest-reports loadtest-summaries

# First what the tools need (packages, then bin/): the recipes below run bin/kindctl when
# make expands them, so the tools exist before any of them starts.
loadtest-deps:
	@$(DEPS) build
	@$(MAKE) --no-print-directory -s all

# make -n runs the loadtest recipe for its sub-make: then that recipe only prints what it
# would do. (The first word of MAKEFLAGS holds the one-letter flags, unless it is a long
# option.)
LT_FLAGS := $(firstword -$(MAKEFLAGS))
LT_DRY := $(if $(filter ---%,$(LT_FLAGS)),,$(if $(findstring n,$(LT_FLAGS)),echo))

# Set-up (setup.sh: packages, Go, the local provider's binaries), then the stages.
# Ctrl-C (or TERM) still takes the clusters down (unless kept) and exits non-zero; the
# arms stop themselves, and the next run resumes. Whatever happened, the summary covers
# what the results folder holds (NO RESULTS when nothing).
loadtest: loadtest-check
	@$(LT_ENV) pipelines/setup.sh
	@lt_down() { $(LT_DRY) $(LT_ENV) pipelines/cluster-down.sh; }; \
	trap 'lt_down; echo "loadtest: interrupted; run it again to resume" >&2; exit 130' INT TERM; \
	rc=0; $(MAKE) --no-print-directory -j$(LT_N) loadtest-reports PROVIDER=$(LT_PROVIDER) || rc=$$?; \
	trap - INT TERM; \
	lt_down || true; \
	$(if $(LT_DRY),exit $$rc; )if [ $$rc -ne 0 ]; then $(MAKE) --no-print-directory -s loadtest-summaries || true; fi; \
	if [ -f $(RESULTS_DIR)/summary.txt ]; then cat $(RESULTS_DIR)/summary.txt; fi; \
	[ $$rc -eq 0 ] || exit $$rc; \
	jq -e '.status == "PASS"' $(RESULTS_DIR)/summary.json >/dev/null

# Calibration: an A/A run (IMAGE in both arms, repeated), then each row's noise from it
# (compare --calibrate) into CALIBRATE_DIR/calibration.{txt,json}. A later run warns where a
# threshold sits below that noise: compare --calibration CALIBRATE_DIR/calibration.json.
IMAGE ?= stakater/reloader:v1.4.21
CALIBRATE_DIR ?= $(RESULTS_DIR)-calibrate
.PHONY: calibrate
calibrate:
	@$(MAKE) --no-print-directory loadtest OLD_IMAGE='$(IMAGE)' NEW_IMAGE='$(IMAGE)' \
		SCENARIOS='$(if $(filter command line,$(origin SCENARIOS)),$(SCENARIOS),S1,S2,S4)' \
		REPEATS=$(if $(filter command line,$(origin REPEATS)),$(REPEATS),5) RESULTS_DIR='$(CALIBRATE_DIR)' || \
		echo "calibrate: the A/A run did not pass (which a calibration expects now and then); calibrating from what it measured" >&2
	$(BIN)/compare --rules $(RULES) --calibrate --results-dir '$(CALIBRATE_DIR)' --format json --output '$(CALIBRATE_DIR)/calibration.json'
	$(BIN)/compare --rules $(RULES) --calibrate --results-dir '$(CALIBRATE_DIR)' --output '$(CALIBRATE_DIR)/calibration.txt'
	@cat '$(CALIBRATE_DIR)/calibration.txt'

# The reference's targets: S1, S4 and S6; every scenario.
loadtest-quick:
	@$(MAKE) --no-print-directory loadtest SCENARIOS=$(QUICK_SCENARIOS) LOADTEST_SCENARIOS=
loadtest-full:
	@$(MAKE) --no-print-directory loadtest SCENARIOS=all LOADTEST_SCENARIOS=

# The results folder, and every cluster this pipeline made and left (KEEP_CLUSTER, or a
# delete that failed): deleted by name through kindctl, as recorded in .state.
loadtest-clean: loadtest-deps
	@$(LT_ENV) pipelines/cluster-down.sh --all
	@case "$(abspath $(RESULTS_DIR))" in ""|/|$(abspath .)|$(abspath ..)|$(HOME)) \
		echo "loadtest: not deleting RESULTS_DIR='$(RESULTS_DIR)': not a results folder" >&2; exit 2;; esac
	rm -rf -- $(RESULTS_DIR)

# Checks the variables, and lets a cached scenario whose arms are not all there and valid
# run again (pipelines/check.sh says which and why).
loadtest-check: loadtest-deps
	@OLD_IMAGE='$(OLD_IMAGE)' NEW_IMAGE='$(NEW_IMAGE)' SCENARIOS='$(SCENARIOS)' DURATION='$(DURATION)' \
	LOADTEST_OLD_IMAGE='$(LOADTEST_OLD_IMAGE)' LOADTEST_NEW_IMAGE='$(LOADTEST_NEW_IMAGE)' \
	LOADTEST_SCENARIOS='$(LOADTEST_SCENARIOS)' LOADTEST_DURATION='$(LOADTEST_DURATION)' \
	REPEATS='$(REPEATS)' OLD_API_DELAY_MS='$(OLD_API_DELAY_MS)' NEW_API_DELAY_MS='$(NEW_API_DELAY_MS)' \
	SCALE='$(SCALE)' SET='$(SET)' CLUSTER_NAME='$(CLUSTER_NAME)' PARALLELISM='$(PARALLELISM)' \
	LOADTEST_SCENARIO_DIR='$(LOADTEST_SCENARIO_DIR)' RESULTS_DIR='$(RESULTS_DIR)' BIN='$(BIN)' \
	LT_ENTRIES='$(LT_ENTRIES)' LT_SCENARIOS='$(LT_SCENARIOS)' LT_OLD_IMAGE='$(LT_OLD_IMAGE)' \
	LT_NEW_IMAGE='$(LT_NEW_IMAGE)' LT_PROVIDER='$(LT_PROVIDER)' LT_NETNS='$(LT_NETNS)' LT_N='$(LT_N)' \
	pipelines/check.sh

loadtest-reports: $$(REPORTS) $$(SUMMARIES) $(RESULTS_DIR)/index.html
# After a failed stage: the summary of whatever the results folder holds.
loadtest-summaries: $$(SUMMARIES)

# Stage files are results, never scratch: make must not delete them as intermediates.
.PRECIOUS: $(LT_STATE)/cluster-%.ready $(RESULTS_DIR)/%/arms.done

# A cluster that cannot come up leaves cluster-K.failed instead, and its scenarios go to the others.
$(LT_STATE)/cluster-%.ready: | $(LT_STATE)/
	$(LT_ENV) CLUSTERS=$(LT_N) pipelines/cluster-up.sh $*

# Every scenario waits for the pool (every cluster tried), then takes whichever is free.
# SCENARIO_FILE is the scenario's file when SCENARIOS named one (run-scenario.sh gives it
# to bin/scenario in place of the name).
$(RESULTS_DIR)/%/arms.done: $$(addprefix $(LT_STATE)/cluster-,$$(addsuffix .ready,$$(LT_CLUSTERS)))
	@i=1; for s in $(LT_SCENARIOS); do [ $$s = $* ] && break; i=$$((i + 1)); done; \
	$(LT_ENV) SCENARIO_FILE='$(call lt_file,$*)' pipelines/run-scenario.sh $* $$i $(words $(LT_SCENARIOS))

# Progress while `make loadtest` runs: each scenario's verdict when its report exists, and
# how many are left (called from the report rule; never fails it).
LT_PROGRESS = $(if $(filter loadtest-reports,$(MAKECMDGOALS)),@$(LT_ENV) LT_SCENARIOS='$(LT_SCENARIOS)' LT_N=$(LT_N) pipelines/progress.sh $(1) || true)

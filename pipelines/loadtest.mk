# The load-test pipeline, included by the Makefile. Stages are files under RESULTS_DIR:
#   .state/cluster-K.ready   cluster K of the pool is up (kubeconfig, Prometheus URL)
#   .state/cluster-K.created cluster K was made by this pipeline and not deleted yet
#   S/old, S/new             one arm's results (run.json, expected.json, snapshots, log)
#   S/arms.done              every arm of S has run
#   S/report.txt, summary.*  the verdict
# An interrupted run resumes where it stopped; `make report` reuses everything cached.

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

# Checks the variables; and a scenario whose arms are not all there and valid runs again
# (its arms.done goes): an INVALID or FAILED run is redone and a larger REPEATS adds repeats,
# while the valid runs already there are kept.
loadtest-check: loadtest-deps
	@for v in OLD_IMAGE NEW_IMAGE SCENARIOS DURATION; do \
		case $$v in OLD_IMAGE) a='$(OLD_IMAGE)' b='$(LOADTEST_OLD_IMAGE)';; NEW_IMAGE) a='$(NEW_IMAGE)' b='$(LOADTEST_NEW_IMAGE)';; \
		SCENARIOS) a='$(SCENARIOS)' b='$(LOADTEST_SCENARIOS)';; DURATION) a='$(DURATION)' b='$(LOADTEST_DURATION)';; esac; \
		if [ -n "$$b" ] && [ "$$a" != "$$b" ]; then \
			echo "loadtest: $$v='$$a' and LOADTEST_$$v='$$b' differ: give one of them" >&2; exit 2; fi; done
	@[ -n "$(LT_SCENARIOS)" ] || { echo "loadtest: no scenario in SCENARIOS='$(SCENARIOS)'" >&2; exit 2; }
	@[[ "$(DURATION)" =~ ^[1-9][0-9]*$$ ]] || { echo "loadtest: DURATION must be a positive whole number of seconds, not '$(DURATION)'" >&2; exit 2; }
	@[[ "$(REPEATS)" =~ ^[1-9][0-9]*$$ ]] && [ "$(REPEATS)" -le 30 ] || { echo "loadtest: REPEATS must be a whole number from 1 to 30, not '$(REPEATS)'" >&2; exit 2; }
	@for v in OLD_API_DELAY_MS='$(OLD_API_DELAY_MS)' NEW_API_DELAY_MS='$(NEW_API_DELAY_MS)'; do \
		[ -z "$${v#*=}" ] || [[ "$${v#*=}" =~ ^[0-9]{1,5}$$ ]] || { echo "loadtest: $${v%%=*} must be a whole number of milliseconds, not '$${v#*=}'" >&2; exit 2; }; done
	@if [ -n "$(OLD_API_DELAY_MS)$(NEW_API_DELAY_MS)" ] && [ "$(LT_PROVIDER)" != local ]; then \
		echo "loadtest: OLD_API_DELAY_MS/NEW_API_DELAY_MS work on the local provider only (provider $(LT_PROVIDER))" >&2; exit 2; fi
	@for s in $(LT_SCENARIOS); do d='$(RESULTS_DIR)'/$$s; [ -f "$$d/arms.done" ] || continue; redo=; \
		for a in old new; do \
			if [ $$a = old ]; then img='$(LT_OLD_IMAGE)'; else img='$(LT_NEW_IMAGE)'; fi; [ -n "$$img" ] || continue; \
			for m in INVALID FAILED; do compgen -G "$$d/$$a/$$m" >/dev/null || compgen -G "$$d/$$a/*/$$m" >/dev/null && redo=1; done; \
			[ $(REPEATS) -eq 1 ] || [ -d "$$d/$$a/$(REPEATS)" ] || redo=1; \
		done; \
		[ -z "$$redo" ] || { rm -f "$$d/arms.done"; echo "loadtest: $$s: its arms run again (an INVALID or FAILED run, or fewer than $(REPEATS) repeats)" >&2; }; done
	@[[ '$(SCALE)' =~ ^[1-9][0-9]{0,6}$$ ]] && [ '$(SCALE)' -le 1000000 ] || { echo "loadtest: SCALE must be a whole number from 1 to 1000000, not '$(SCALE)'" >&2; exit 2; }
	@[[ '$(SET)' =~ ^([A-Za-z0-9_.{}()%+*/-]+=[A-Za-z0-9_.]+(,|$$))*$$ ]] || { echo "loadtest: SET must be KEY=VALUE[,KEY=VALUE...] (see bin/scenario --help), not '$(SET)'" >&2; exit 2; }
	@[ '$(SCALE)' = 1 ] && [ -z '$(SET)' ] || for s in $(LT_ENTRIES); do \
		$(BIN)/scenario --scenario "$$s" --scale '$(SCALE)' $(if $(SET),--set '$(SET)') --check >/dev/null || exit 2; done
	@for s in $(LT_SCENARIOS); do d='$(RESULTS_DIR)'/$$s; [ ! -f "$$d/arms.done" ] || [ "$$(cat "$$d/params.txt" 2>/dev/null || echo 'scale=1 set=')" = 'scale=$(SCALE) set=$(SET)' ] || \
		{ rm -f "$$d/arms.done"; echo "loadtest: $$s: its arms run again (they ran with another SCALE or SET)" >&2; }; done
	@[[ "$(CLUSTER_NAME)" =~ ^([a-z0-9][a-z0-9-]{0,46})?$$ ]] || \
		{ echo "loadtest: CLUSTER_NAME '$(CLUSTER_NAME)' must be lowercase letters, digits and '-', at most 47" >&2; exit 2; }
	@dir='$(LOADTEST_SCENARIO_DIR)'; for s in $(LT_ENTRIES); do \
		case $$s in */*|*.yaml|*.yml) f=$$s;; *) f=$${dir:-tools/scenario/scenarios}/$$s.yaml;; esac; \
		[ -f "$$f" ] || { echo "loadtest: unknown scenario '$$s' (no $$f; S1..S14, or a scenario file)" >&2; exit 2; }; done
	@[ $(words $(LT_SCENARIOS)) -eq $(words $(sort $(LT_SCENARIOS))) ] || \
		{ echo "loadtest: two scenarios in SCENARIOS='$(SCENARIOS)' have the same name ($(LT_SCENARIOS)): each needs its own results folder" >&2; exit 2; }
	@for s in $(LT_SCENARIOS); do [[ $$s =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$$ ]] || \
		{ echo "loadtest: scenario name '$$s' must be letters, digits, '.', '_' and '-' (it names a results folder)" >&2; exit 2; }; done
	@[[ "$(PARALLELISM)" =~ ^[1-9][0-9]?$$ ]] || { echo "loadtest: PARALLELISM must be a whole number from 1 to 99, not '$(PARALLELISM)'" >&2; exit 2; }
	@if [ "$(LT_PROVIDER)" = local ] && [ "$(PARALLELISM)" -gt 1 ] && [ "$(LT_NETNS)" != yes ]; then \
		echo "loadtest: PARALLELISM=$(PARALLELISM) reduced to 1 on the local provider: Reloader's metrics port (:9090) is fixed and arms cannot get network namespaces of their own here ($(patsubst no: %,%,$(LT_NETNS)))" >&2; fi
	@echo "loadtest: $(words $(LT_SCENARIOS)) scenario(s) ($(LT_SCENARIOS)), $(LT_N) cluster(s), provider $(LT_PROVIDER), old '$(LT_OLD_IMAGE)', new '$(LT_NEW_IMAGE)', $(DURATION)s each$(if $(filter-out 1,$(REPEATS)),$(comma) $(REPEATS) runs per arm)" >&2

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

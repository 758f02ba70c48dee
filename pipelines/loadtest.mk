# The load-test pipeline, included by the Makefile. Stages are files under RESULTS_DIR:
#   .state/cluster-K.ready   cluster K of the pool is up (kubeconfig, Prometheus URL)
#   S/old, S/new             one arm's results (run.json, expected.json, snapshots, log)
#   S/arms.done              every arm of S has run
#   S/report.txt, summary.*  the verdict
# An interrupted run resumes where it stopped; `make report` reuses everything cached.

comma := ,
ALL_SCENARIOS := S1 S2 S3 S4 S5 S6 S7 S8 S9 S10 S11 S12 S13
SCENARIOS ?= all
DURATION ?= 60
PARALLELISM ?= 1
PROVIDER ?= auto
OLD_IMAGE ?=
NEW_IMAGE ?=
SKIP_CLUSTER ?=
KEEP_CLUSTER ?=
CONTEXTS ?=
PROMETHEUS_URL ?=
SEED ?= 1

LT_SCENARIOS := $(if $(filter all,$(SCENARIOS)),$(ALL_SCENARIOS),$(subst $(comma), ,$(SCENARIOS)))
LT_STATE := $(RESULTS_DIR)/.state

# auto: kind where a container engine answers, else the local control plane.
# (Computed once, when first used: plain builds and tests never ask.)
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
# Reloader's metrics port is hard-coded (:9090): on the local provider two arms cannot run at
# once on one host, so the local pool has one cluster. kind and existing clusters run N.
LT_MAX := $(words $(LT_SCENARIOS))
LT_WANT = $(if $(filter local,$(LT_PROVIDER)),1,$(if $(filter existing,$(LT_PROVIDER)),$(words $(subst $(comma), ,$(CONTEXTS))),$(PARALLELISM)))
LT_N = $(eval LT_N := $(shell n=$(LT_WANT); m=$(LT_MAX); [ "$$n" -gt "$$m" ] 2>/dev/null && n=$$m; [ "$$n" -ge 1 ] 2>/dev/null || n=1; echo $$n))$(LT_N)
LT_CLUSTERS = $(shell seq 0 $$(( $(LT_N) - 1 )))

LT_ENV = STATE=$(LT_STATE) RESULTS_DIR=$(RESULTS_DIR) PROVIDER=$(LT_PROVIDER) DURATION=$(DURATION) \
	OLD_IMAGE='$(LT_OLD_IMAGE)' NEW_IMAGE='$(LT_NEW_IMAGE)' SKIP_CLUSTER=$(SKIP_CLUSTER) \
	KEEP_CLUSTER=$(KEEP_CLUSTER) CONTEXTS='$(CONTEXTS)' PROMETHEUS_URL='$(PROMETHEUS_URL)' \
	SEED=$(SEED) LOADTEST_BIN=$(CURDIR)/$(BIN)


# The tools are built first; the stages run in a second make that sees them.
.PHONY: loadtest
# Ctrl-C (or TERM) still takes the clusters down (unless kept) and exits non-zero; the
# arms stop themselves and leave their partial results marked INCOMPLETE.
loadtest: all
	@lt_down() { $(LT_ENV) pipelines/cluster-down.sh; }; \
	trap 'lt_down; echo "loadtest: interrupted; run it again to resume" >&2; exit 130' INT TERM; \
	rc=0; $(MAKE) --no-print-directory -j$(LT_N) loadtest-stages PROVIDER=$(LT_PROVIDER) || rc=$$?; \
	trap - INT TERM; \
	lt_down || true; \
	[ $$rc -eq 0 ] || exit $$rc; \
	cat $(RESULTS_DIR)/summary.txt; \
	jq -e '.status == "PASS"' $(RESULTS_DIR)/summary.json >/dev/null

.PHONY: loadtest-stages loadtest-check
loadtest-stages: loadtest-check
	@$(MAKE) --no-print-directory -j$(LT_N) loadtest-reports PROVIDER=$(LT_PROVIDER)

.PHONY: loadtest-reports
loadtest-reports: $$(REPORTS) $$(SUMMARIES)

loadtest-check:
	@[ -n "$(LT_SCENARIOS)" ] || { echo "loadtest: no scenario in SCENARIOS='$(SCENARIOS)'" >&2; exit 2; }
	@for s in $(LT_SCENARIOS); do [ -f tools/scenario/scenarios/$$s.yaml ] || \
		{ echo "loadtest: unknown scenario '$$s' (S1..S13)" >&2; exit 2; }; done
	@if [ "$(LT_PROVIDER)" = local ] && [ "$(PARALLELISM)" -gt 1 ]; then \
		echo "loadtest: PARALLELISM=$(PARALLELISM) reduced to 1 on the local provider: Reloader's metrics port (:9090) is fixed, so two arms cannot run at once on one host" >&2; fi
	@echo "loadtest: $(words $(LT_SCENARIOS)) scenario(s), $(LT_N) cluster(s), provider $(LT_PROVIDER), old '$(LT_OLD_IMAGE)', new '$(LT_NEW_IMAGE)', $(DURATION)s each" >&2

# A cluster that cannot come up leaves cluster-K.failed instead, and its scenarios go to the others.
$(LT_STATE)/cluster-%.ready: | $(LT_STATE)/
	$(LT_ENV) pipelines/cluster-up.sh $*

# Every scenario waits for the pool (every cluster tried), then takes whichever is free.
$(RESULTS_DIR)/%/arms.done: $$(addprefix $(LT_STATE)/cluster-,$$(addsuffix .ready,$$(LT_CLUSTERS)))
	@i=1; for s in $(LT_SCENARIOS); do [ $$s = $* ] && break; i=$$((i + 1)); done; \
	$(LT_ENV) pipelines/run-scenario.sh $* $$i $(words $(LT_SCENARIOS))

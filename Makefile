# Reloader load-test framework: build, test, and the load-test pipeline.
# `make` builds every tool into bin/; `make test` runs the whole suite; `make report`
# regenerates reports from cached results. See README.md.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules
.SECONDEXPANSION:
# Keep the objects (intermediate files of the pattern rules): they are outputs, not scratch.
# Not .SECONDARY for everything: a secondary target that is missing does not make make
# rebuild what depends on it, so a summary would not be rewritten after a report was.
.PRECIOUS: build/%.o

CC ?= cc
ifeq ($(origin CC),default)
CC := cc
endif
OPT ?= -O2
CFLAGS ?= $(OPT) -g
WARN := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS += -Itools/lib -D_GNU_SOURCE
LDLIBS := -ljq -lyaml -lcurl -lm

# SAN=1 builds everything with AddressSanitizer + UndefinedBehaviorSanitizer into build/san.
ifneq ($(SAN),)
BUILD := build/san
BIN := build/san/bin
CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else
BUILD := build/rel
BIN := bin
endif

TOOLS := $(patsubst tools/%/main.c,%,$(wildcard tools/*/main.c))
LIB_OBJ := $(patsubst tools/%.c,$(BUILD)/%.o,$(wildcard tools/lib/*.c))
LIBA := $(BUILD)/libloadtest.a
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))

.PHONY: all
all: $(addprefix $(BIN)/,$(TOOLS))

$(BUILD)/%.o: tools/%.c | $$(@D)/
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -MMD -MP -c -o $@ $<

# A unit test of a tool (test_<tool>.c) also sees that tool's headers.
$(BUILD)/unit/%.o: tests/unit/%.c | $$(@D)/
	$(CC) $(CPPFLAGS) -Itools/$(patsubst test_%,%,$*) $(WARN) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	rm -f $@+
	ar rcs $@+ $^
	mv $@+ $@

define tool_rule
$(BIN)/$(1): $(patsubst tools/%.c,$(BUILD)/%.o,$(wildcard tools/$(1)/*.c)) $(LIBA) | $(BIN)/
	$$(CC) $$(LDFLAGS) -o $$@+ $$^ $$(LDLIBS)
	mv $$@+ $$@
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

# A unit test named test_<tool>.c also links that tool's own objects (all but main.o).
# (The helpers keep their % out of the rule, where make would put the stem in its place.)
tool_objs = $(filter-out %/main.o,$(patsubst tools/%.c,$(BUILD)/%.o,$(wildcard tools/$(1)/*.c)))
unit_tool = $(patsubst test_%,%,$(1))
$(BUILD)/unit/%: $(BUILD)/unit/%.o $$(call tool_objs,$$(call unit_tool,$$*)) $(LIBA)
	$(CC) $(LDFLAGS) -o $@+ $^ $(LDLIBS)
	mv $@+ $@

# Negative controls (tests/controls): stand-ins for a controller that the pipeline runs as
# an arm (bin:PATH), one binary under two names.
CONTROLS := $(BUILD)/controls/control-idle $(BUILD)/controls/control-double
$(BUILD)/controls/%.o: tests/controls/%.c | $$(@D)/
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -MMD -MP -c -o $@ $<
$(BUILD)/controls/control-idle: $(BUILD)/controls/control.o $(LIBA)
	$(CC) $(LDFLAGS) -o $@+ $^ $(LDLIBS)
	mv $@+ $@
$(BUILD)/controls/control-double: $(BUILD)/controls/control-idle
	ln -f $< $@+
	mv $@+ $@

.PRECIOUS: %/
%/:
	mkdir -p $@

-include $(shell find build -name '*.d' 2>/dev/null)

# ---- tests ----
BATS ?= bats
BATS_FILES ?= $(sort $(wildcard tests/*.bats))

.PHONY: unit bats test test-san check lint
unit: $(UNIT_BIN)
	@for t in $^; do echo "# $$t"; $$t; done

bats: all $(UNIT_BIN) $(CONTROLS)
	LOADTEST_BIN=$(CURDIR)/$(BIN) LOADTEST_CONTROLS=$(CURDIR)/$(BUILD)/controls LOADTEST_SAN=$(SAN) $(BATS) --print-output-on-failure $(BATS_FILES)

SHELL_FILES := $(wildcard .ci/run $(filter-out %.mk,$(wildcard pipelines/*)) tests/*.bats tests/*.sh tests/helpers/*.bash tests/fixtures/*.sh tests/bench/*.sh tests/fuzz/*.sh tools/*/*.sh)

# shellcheck on every shell file; the GitHub example against the Actions schemas.
lint:
	shellcheck -x $(SHELL_FILES)
	tests/lint-actions.sh

check: unit bats fuzz-regress

# What the build, the tests and the pipeline need, installed when missing (pipelines/deps.sh).
DEPS := pipelines/deps.sh

# Live tests: a real control plane, Prometheus and controller arms (minutes each). They run
# once, in the plain build; the sanitizer build runs every other test (and the unit tests).
LIVE_BATS := $(wildcard tests/kindctl-local.bats tests/scenario-live.bats tests/loadtest.bats \
	tests/controls.bats tests/kindctl-apidelay.bats tests/faults.bats)

# The whole suite, then again under ASan+UBSan (but for the live tests, see above).
# The local provider's binaries are built first, saying what is built and how long it
# takes (a cold cache takes about 10 min on 2 cores); if they cannot be built, the live
# tests say SKIPPED with the reason, or fail in CI.
test:
	@$(DEPS) test
	@tools/kindctl/build-binaries.sh all >/dev/null || [ -z "$${CI:-}" ]
	$(MAKE) lint
	$(MAKE) check
	$(MAKE) SAN=1 check BATS_FILES="$(filter-out $(LIVE_BATS),$(BATS_FILES))"

test-san:
	$(MAKE) SAN=1 check

# ---- reports from cached results (no cluster, no network) ----
RESULTS_DIR ?= results
# make drops a leading ./ from targets, which would stop the patterns below from matching.
override RESULTS_DIR := $(patsubst ./%,%,$(RESULTS_DIR:%/=%))
RULES ?= tools/compare/rules.yaml
include pipelines/loadtest.mk
SCENARIO_DIRS := $(patsubst %/,%,$(sort $(dir $(wildcard $(RESULTS_DIR)/*/old $(RESULTS_DIR)/*/new))))
# `make loadtest` reports on the scenarios it runs; `make report` on those it finds.
REPORTS := $(if $(filter loadtest-reports,$(MAKECMDGOALS)),$(LT_SCENARIOS:%=$(RESULTS_DIR)/%/report.txt),$(addsuffix /report.txt,$(SCENARIO_DIRS)))
ifneq ($(filter loadtest-reports,$(MAKECMDGOALS)),)
$(foreach s,$(LT_SCENARIOS),$(eval $(RESULTS_DIR)/$(s)/report.txt: $(RESULTS_DIR)/$(s)/arms.done))
endif
SUMMARIES := $(addprefix $(RESULTS_DIR)/summary.,txt md json) $(RESULTS_DIR)/junit.xml
COMPARE := $(BIN)/compare --rules $(RULES) --results-dir $(RESULTS_DIR)

# The HTML report: a part per scenario (its tables, and its plots drawn by gnuplot from the
# arms' series/, run.json and updates.jsonl), then the page around them.
HTML_PARTS := $(REPORTS:%/report.txt=%/report.part.html)
REPORT_HTML := pipelines/report-html.sh $(addprefix tools/compare/,report-html.jq report-index.jq report-html.css)

.PHONY: report report-deps
report: report-deps $(REPORTS) $(SUMMARIES) $(RESULTS_DIR)/index.html
	@cat $(RESULTS_DIR)/summary.txt
	@jq -e '.status == "PASS"' $(RESULTS_DIR)/summary.json >/dev/null

report-deps:
	@$(DEPS) report

# compare exits 1 for a failed verdict: that is a result, not a failed recipe. A report
# depends on its arms' files, repeats (ARM/N/) and the pipeline's markers included.
LT_ARM_FILES = $(wildcard $(addprefix $(RESULTS_DIR)/$(1)/,*/*.json */*/*.json expected.json */FAILED */INVALID \
	*/*/FAILED */*/INVALID))
$(RESULTS_DIR)/%/report.txt: $$(call LT_ARM_FILES,$$*) $(RULES) $(BIN)/compare
	$(COMPARE) --scenario $* --format text --output $@ || [ $$? -eq 1 ]
	$(call LT_PROGRESS,$*)

# With no scenario folder, the summary (NO RESULTS) is always written again: nothing
# else would tell make that the folder was emptied.
$(RESULTS_DIR)/summary.%: $(REPORTS) $(RULES) $(BIN)/compare $(if $(REPORTS),,FORCE)
	$(COMPARE) --summary --format $(subst txt,text,$(subst md,markdown,$*)) --output $@ || [ $$? -eq 1 ]

# JUnit XML for CI systems: a testsuite per scenario, a testcase per judged row.
$(RESULTS_DIR)/junit.xml: $(REPORTS) $(RULES) $(BIN)/compare $(if $(REPORTS),,FORCE)
	$(COMPARE) --summary --format junit --output $@ || [ $$? -eq 1 ]

LT_PLOT_FILES = $(wildcard $(addprefix $(RESULTS_DIR)/$(1)/,*/series/*.json */*/series/*.json */updates.jsonl \
	*/*/updates.jsonl))
$(RESULTS_DIR)/%/report.part.html: $(RESULTS_DIR)/%/report.txt $$(call LT_ARM_FILES,$$*) $$(call LT_PLOT_FILES,$$*) \
		$(RULES) $(BIN)/compare $(REPORT_HTML)
	pipelines/report-html.sh --bin $(BIN) --rules $(RULES) scenario $(RESULTS_DIR) $* $@

$(RESULTS_DIR)/index.html: $(HTML_PARTS) $(RESULTS_DIR)/summary.json $(REPORT_HTML)
	pipelines/report-html.sh index $(RESULTS_DIR)/summary.json $@ $(HTML_PARTS)

.PHONY: FORCE
FORCE:

# Benchmarks (not timed tests): numbers for the closing notes, printed as tables. Each
# starts local clusters (overhead.sh and scale.sh Reloader too), so each holds the host-wide
# lock of live runs (scale.sh takes it itself).
.PHONY: bench
bench: all
	LOADTEST_BIN=$(CURDIR)/$(BIN) flock /tmp/loadtest-live.lock tests/bench/control-plane.sh
	LOADTEST_BIN=$(CURDIR)/$(BIN) flock /tmp/loadtest-live.lock tests/bench/update-rate.sh
	flock /tmp/loadtest-live.lock tests/bench/overhead.sh
	LOADTEST_BIN=$(CURDIR)/$(BIN) tests/bench/scale.sh

# Everything a run needs, ahead of time: packages, and the local provider's binaries
# (etcd, Kubernetes, kwok, the pinned Reloaders) built into the cache.
.PHONY: deps
deps:
	@$(DEPS) test loadtest --provider local
	tools/kindctl/build-binaries.sh all >/dev/null

.PHONY: clean
clean:
	rm -rf build bin

# ---- fuzzing (tests/fuzz/README.md) ----
# One libFuzzer harness per parser of outside input (tests/fuzz/fuzz_NAME.c). `make fuzz
# FUZZ_SECONDS=N` builds them with clang, -fsanitize=fuzzer,address,undefined, against the
# library and tool sources compiled the same way (build/fuzz/, apart from the normal build),
# runs each for N seconds seeded from the fixtures, and prints each one's executions and
# crashes; crashing inputs are kept in build/fuzz/crashes/NAME/. `make fuzz-regress` feeds
# the saved inputs (tests/fuzz/crashers/NAME/ and seeds/NAME/) once to each harness built
# by the normal compiler without libFuzzer (with the sanitizers under SAN=1): seconds.
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_INC := -Itools/promsnap -Itools/compare -Itools/scenario
# A harness's tool, whose objects but main.o it links besides the library.
fuzz_tool_queries := promsnap
fuzz_tool_report := compare
fuzz_tool_scenario := scenario
fuzz_tool_pattern := scenario
fuzz_objs = $(patsubst tools/%.c,build/fuzz/obj/%.o,$(wildcard tools/lib/*.c) \
	$(filter-out %/main.c,$(if $(fuzz_tool_$(1)),$(wildcard tools/$(fuzz_tool_$(1))/*.c))))

build/fuzz/obj/%.o: tools/%.c | $$(@D)/
	$(FUZZ_CC) $(CPPFLAGS) $(WARN) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
build/fuzz/harness/%.o: tests/fuzz/%.c | $$(@D)/
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_INC) $(WARN) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
$(BUILD)/fuzz-regress/%.o: tests/fuzz/%.c | $$(@D)/
	$(CC) $(CPPFLAGS) $(FUZZ_INC) $(WARN) $(CFLAGS) -MMD -MP -c -o $@ $<

define fuzz_rule
build/fuzz/fuzz_$(1): build/fuzz/harness/fuzz_$(1).o build/fuzz/harness/util.o $(call fuzz_objs,$(1))
	$$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $$@+ $$^ $$(LDLIBS)
	mv $$@+ $$@
$(BUILD)/fuzz-regress/fuzz_$(1): $(BUILD)/fuzz-regress/fuzz_$(1).o $(BUILD)/fuzz-regress/util.o \
		$(BUILD)/fuzz-regress/standalone.o $(call tool_objs,$(fuzz_tool_$(1))) $(LIBA)
	$$(CC) $$(LDFLAGS) -o $$@+ $$^ $$(LDLIBS)
	mv $$@+ $$@
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_rule,$(n))))

.PHONY: fuzz fuzz-build fuzz-regress
fuzz-build: $(FUZZ_NAMES:%=build/fuzz/fuzz_%)
fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_NAMES)
fuzz-regress: $(FUZZ_NAMES:%=$(BUILD)/fuzz-regress/fuzz_%)
	tests/fuzz/regress.sh $^

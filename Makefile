# Ebb -- one non-recursive Makefile. `make help` lists the targets.
#
# Layers (DESIGN.md section 4): the PURE files build into libcore.a, which
# links with libc and libm alone (`make check` proves it); the EDGE files
# (codec: cJSON + libyaml) build into libedge.a; cmd/ebb links both.

CC       ?= cc
BUILD    ?= build
OPT      ?= -O2
SAN      ?=
CFLAGS   ?= $(OPT) -g
WARN     := -std=c11 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes \
            -Wno-format-truncation
DEFS     := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
ALL_CFLAGS = $(WARN) $(DEFS) $(CFLAGS) $(SAN) -MMD -MP
LDFLAGS  ?=
EDGE_LIBS := $(shell pkg-config --libs libcjson yaml-0.1 libcurl openssl libwebsockets 2>/dev/null || \
	echo -lcjson -lyaml -lcurl -lssl -lcrypto -lwebsockets)
TEST_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

# pkg/kube is split by purity inside the package (DESIGN.md section 4).
KUBE_PURE := $(wildcard pkg/kube/path.c pkg/kube/ratelimit.c pkg/kube/backoff.c \
	pkg/kube/leader_fsm.c pkg/kube/event_agg.c pkg/kube/labelsel.c)
# pkg/controller is split too: the engine talks to the API server (EDGE).
CTL_EDGE := $(wildcard pkg/controller/controller.c pkg/controller/reconcile.c \
	pkg/controller/reconcile_chan.c pkg/controller/targets.c pkg/controller/podwatch.c \
	pkg/controller/metrics_fetch.c)
# PURE: libc (+libm) only; no I/O, no clock, no globals.
CORE_SRCS := $(sort $(wildcard pkg/base/*.c) $(KUBE_PURE) \
	$(filter-out pkg/api/v1alpha1/codec%.c,$(wildcard pkg/api/v1alpha1/*.c)) \
	$(wildcard pkg/scale/*.c) $(filter-out $(CTL_EDGE),$(wildcard pkg/controller/*.c)) \
	$(wildcard pkg/telemetry/*.c) $(wildcard pkg/ports/*.c))
# EDGE: cJSON and libyaml.
EDGE_SRCS := $(sort $(wildcard pkg/api/v1alpha1/codec*.c) \
	$(filter-out $(KUBE_PURE),$(wildcard pkg/kube/*.c)) $(wildcard pkg/source/*.c) \
	$(wildcard pkg/httpd/*.c) $(CTL_EDGE))
EBB_SRCS  := $(sort $(wildcard cmd/ebb/*.c))
# kubesim: everything but main.c builds into libkubesim.a, which the
# tests link too (its symbols all start with ks_).
KUBESIM_SRCS := $(sort $(filter-out cmd/kubesim/main.c,$(wildcard cmd/kubesim/*.c)))
TEST_SRCS := $(sort $(wildcard tests/unit/*_test.c))
TEST_HELPER_SRCS := $(sort $(filter-out %_test.c,$(wildcard tests/unit/*.c)))
BENCH_SRCS := $(sort $(wildcard bench/*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/*.c))

CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/%.o)
EDGE_OBJS := $(EDGE_SRCS:%.c=$(BUILD)/%.o)
EBB_OBJS  := $(EBB_SRCS:%.c=$(BUILD)/%.o)
KUBESIM_OBJS := $(KUBESIM_SRCS:%.c=$(BUILD)/%.o)
TEST_HELPER_OBJS := $(TEST_HELPER_SRCS:%.c=$(BUILD)/%.o)
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

LIBCORE := $(BUILD)/libcore.a
LIBEDGE := $(BUILD)/libedge.a
LIBKUBESIM := $(BUILD)/libkubesim.a
EBB     := $(BUILD)/ebb
KUBESIM := $(BUILD)/kubesim

.DEFAULT_GOAL := all
# Keep the objects of test and bench programs between runs.
.SECONDARY:

##@ Build

.PHONY: all
all: $(EBB) $(KUBESIM) ## Build build/ebb and build/kubesim.

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DEBB_VERSION='"$(VERSION)"' -c -o $@ $<

$(LIBCORE): $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(LIBEDGE): $(EDGE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(LIBKUBESIM): $(KUBESIM_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(KUBESIM): $(BUILD)/cmd/kubesim/main.o $(LIBKUBESIM) $(LIBEDGE) $(LIBCORE)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBKUBESIM) $(LIBEDGE) $(LIBCORE) $(EDGE_LIBS) -lm

$(EBB): $(EBB_OBJS) $(LIBEDGE) $(LIBCORE)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(EBB_OBJS) $(LIBEDGE) $(LIBCORE) $(EDGE_LIBS) -lm

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(TEST_HELPER_OBJS) $(LIBKUBESIM) $(LIBEDGE) $(LIBCORE)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_HELPER_OBJS) $(LIBKUBESIM) $(LIBEDGE) $(LIBCORE) \
		$(EDGE_LIBS) $(TEST_LIBS) -lm

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBEDGE) $(LIBCORE)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBEDGE) $(LIBCORE) $(EDGE_LIBS) -lm

##@ Test

.PHONY: deps
deps: ## Install the Debian packages the build needs (only those missing).
	@scripts/install-deps.sh

.PHONY: test
test: deps ## Build and run every test (unit, command-line end to end).
	@$(MAKE) --no-print-directory test-run

.PHONY: test-run
test-run: $(EBB) $(KUBESIM) $(TEST_BINS)
	@scripts/run-tests.sh $(BUILD)

.PHONY: asan
asan: deps ## Run the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		test-run

.PHONY: valgrind
valgrind: deps $(TEST_BINS) ## Run the unit tests under valgrind (leaks are errors).
	@for t in $(TEST_BINS); do \
		EBB_TEST_SLOW=1 valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
			--error-exitcode=99 $$t >/dev/null || { echo "valgrind: $$t failed"; exit 1; }; \
	done; echo "valgrind: $(words $(TEST_BINS)) test programs clean"

FUZZ_TIME ?= 30
FUZZ_BUILD := build-fuzz
# Everything a fuzz target may call (kubesim: all but main.c), compiled
# once with coverage into one archive that every target links.
FUZZ_CORE := $(CORE_SRCS) $(EDGE_SRCS) cmd/ebb/decide_input.c cmd/ebb/tzload.c $(KUBESIM_SRCS)
# clang does not know -Wno-format-truncation.
FUZZ_CFLAGS := $(filter-out -Wno-format-truncation,$(WARN)) $(DEFS) -g -O1 \
	-fno-sanitize-recover=undefined
FUZZ_OBJS := $(FUZZ_CORE:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_LIB := $(FUZZ_BUILD)/libfuzzcore.a
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_BUILD)/%)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BINS): $(FUZZ_BUILD)/%: tests/fuzz/%.c $(FUZZ_LIB)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -MMD -MP -o $@ $< $(FUZZ_LIB) \
		$(EDGE_LIBS) -lm

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)

.PHONY: fuzz fuzz-build fuzz-run
fuzz: deps ## Run each libFuzzer target for FUZZ_TIME seconds (default 30).
	@$(MAKE) --no-print-directory fuzz-run

fuzz-build: $(FUZZ_BINS) ## Build the libFuzzer targets into FUZZ_BUILD (no run).

fuzz-run: fuzz-build
	@for n in $(notdir $(FUZZ_BINS)); do \
		mkdir -p $(FUZZ_BUILD)/corpus-$$n; \
		seeds=tests/fuzz/corpus/$$n; [ -d $$seeds ] || seeds=; \
		echo "fuzz: $$n for $(FUZZ_TIME)s"; \
		$(FUZZ_BUILD)/$$n -max_total_time=$(FUZZ_TIME) -max_len=65536 -detect_leaks=1 \
			-print_final_stats=0 $(FUZZ_BUILD)/corpus-$$n $$seeds 2>$(FUZZ_BUILD)/$$n.log \
			|| { tail -40 $(FUZZ_BUILD)/$$n.log; exit 1; }; \
		tail -1 $(FUZZ_BUILD)/$$n.log; \
	done

##@ Measure

.PHONY: bench
bench: deps $(BENCH_BINS) $(EBB) $(KUBESIM) ## Run the benchmarks (see BENCHMARKS.md).
	@for b in $(BENCH_BINS); do $$b || exit 1; done

##@ Quality

SRC_ALL := $(shell find cmd pkg tests bench -name '*.[ch]' 2>/dev/null | sort)
PURE_DIRS := pkg/scale pkg/base pkg/telemetry pkg/ports \
	$(filter-out $(CTL_EDGE),$(wildcard pkg/controller/*.c)) pkg/controller/cache.h pkg/controller/status.h \
	$(wildcard pkg/controller/queue.h)
PURE_FILES := $(PURE_DIRS) $(KUBE_PURE) pkg/kube/path.h pkg/api/v1alpha1/defaults.c pkg/api/v1alpha1/validate*.c pkg/api/v1alpha1/validate_internal.h \
	pkg/api/v1alpha1/quantity.c pkg/api/v1alpha1/duration.c pkg/api/v1alpha1/types.c

.PHONY: check
check: deps $(LIBCORE) ## Format, static analysis, and the purity checks of the core.
	clang-format --dry-run -Werror $(SRC_ALL)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
		--std=c11 --inline-suppr --suppress=missingIncludeSystem -D__GNUC__ \
		--library=scripts/cppcheck-cjson.cfg \
		cmd pkg
	@scripts/check-pure.sh $(LIBCORE) $(PURE_FILES)
	@echo "check: ok"

.PHONY: format
format: ## Rewrite every source file with clang-format.
	clang-format -i $(SRC_ALL)

##@ Try it

.PHONY: demo
demo: deps $(EBB) $(KUBESIM) ## Ebb live in kubesim through a Black Friday day (about 2 minutes).
	@EBB=$(EBB) KUBESIM=$(KUBESIM) scripts/demo.sh

.PHONY: demo-offline
demo-offline: deps $(EBB) ## Replay the Black Friday trace through the decision core and summarize.
	$(EBB) simulate --policy examples/black-friday.yaml --trace examples/traces/black-friday.csv \
		--hpa --quiet --svg $(BUILD)/black-friday.svg
	@echo "plot: $(BUILD)/black-friday.svg (open it in a browser)"

.PHONY: clean
clean: ## Remove every build output.
	rm -rf build build-asan build-fuzz

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} \
		/^[a-zA-Z_-]+:.*?##/ { printf "  %-14s %s\n", $$1, $$2 } \
		/^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

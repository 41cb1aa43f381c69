# fragtrace: the two commands. `make demo` builds into build/ and replays a bundled trace under
# every policy preset into fragtrace.db; `make test` builds the tests with AddressSanitizer and
# UBSan (clang) into build-test/ and runs ctest. `make` only builds, `make bench` prints the
# benchmark figures, `make install` installs the optimised build under PREFIX (default /usr/local;
# DESTDIR=... for a staging root). Missing Debian packages are installed first when run as root.
BUILD      ?= build
TEST_BUILD ?= build-test
SANITIZE   ?= 1
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX     ?= /usr/local

.PHONY: all deps test-deps test bench demo clean format install

all: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DFRAGTRACE_TESTS=OFF >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

# bin/fragtrace, share/fragtrace/schema.sql, share/man/man1/fragtrace*.1 under DESTDIR/PREFIX.
install: all
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

test: test-deps
	CC=$$(command -v clang || echo cc) cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug \
		-DFRAGTRACE_WERROR=ON \
		-DFRAGTRACE_SANITIZE=$(if $(filter 1,$(SANITIZE)),ON,OFF) \
		-DFRAGTRACE_FUZZ=ON >/dev/null
	cmake --build $(TEST_BUILD) -j $(JOBS)
	cd $(TEST_BUILD) && ctest --output-on-failure -j $(JOBS)

# The main job on a bundled trace: every policy preset, results into fragtrace.db.
DEMO_TRACE ?= traces/pressure-reclaim.fgt
demo: all
	$(BUILD)/fragtrace replay --db fragtrace.db $(DEMO_TRACE)
	$(BUILD)/fragtrace report -q --html fragtrace-report.html fragtrace.db
	@echo
	@echo "Charts: fragtrace-report.html. SQL: sqlite3 fragtrace.db 'SELECT * FROM variant_comparison'"

bench: all
	bench/format/run.sh $(BUILD)
	bench/model/run.sh $(BUILD)
	bench/replay/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(TEST_BUILD)

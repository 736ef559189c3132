# Tipline: `make run` serves the app with demo data; `make test` runs the whole suite.
# Both set up everything they need on a new machine (a virtualenv, and with apt-get
# what the tests need from the system: Chromium, PostgreSQL, Redis).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
APT_GET := DEBIAN_FRONTEND=noninteractive apt-get
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# pytest-xdist workers; the suite's databases and Redis keys are per worker.
JOBS ?= auto

.PHONY: run test bench worker messages translations clean system-run-deps system-test-deps mutants

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV) || { $(SUDO) $(APT_GET) update -qq && $(SUDO) $(APT_GET) install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# Compiled catalogs are build output (git-ignored); the .po files are the source.
translations: $(VENV)/.runtime
	$(BIN)/pybabel -q compile -d tipline/translations

# After changing user-facing strings: refresh the template and both catalogs.
messages: $(VENV)/.runtime
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o tipline/translations/messages.pot .
	$(BIN)/pybabel -q update -i tipline/translations/messages.pot -d tipline/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python -m tipline.translations.english

# What the app needs from the system to draw the reports' PDFs (WeasyPrint): Pango and a Chinese
# font. Installed when missing and possible; without them every page works and a report's PDF
# fails with the reason on the report.
system-run-deps:
	@missing=""; \
	ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	[ -n "$$(fc-list :lang=zh 2>/dev/null)" ] || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		{ $(SUDO) $(APT_GET) update -qq && $(SUDO) $(APT_GET) install -y -qq $$missing; } || \
			echo "could not install$$missing: reports will be made without their PDF"; \
	fi

run: $(VENV)/.runtime translations system-run-deps
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) run --host 127.0.0.1 --port 5000

worker: $(VENV)/.runtime translations system-run-deps
	$(FLASK) worker

# What the suite needs from the system, installed only when missing.
system-test-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium fonts-noto-cjk"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v pg_ctlcluster >/dev/null || missing="$$missing postgresql"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	ldconfig -p | grep -q libpangoft2-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	[ -n "$$(fc-list :lang=zh 2>/dev/null)" ] || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) $(APT_GET) update -qq && $(SUDO) $(APT_GET) install -y -qq $$missing; \
	fi

test: $(VENV)/.dev translations system-test-deps
	$(BIN)/pytest -n $(JOBS) -p no:cacheprovider

# Mutation testing (mutmut, configured in pyproject.toml) of the security-critical modules: access,
# sign-in, accounts, receipt codes, crypto, the job outbox. Slow, so not part of `make test`.
# Prints the mutants no test killed; `$(BIN)/mutmut show NAME` shows one. Results are kept in mutants/.
MUTANT_JOBS ?= 2
mutants: $(VENV)/.dev translations system-test-deps
	$(BIN)/mutmut run --max-children $(MUTANT_JOBS)
	$(BIN)/mutmut results

# Load from another process with wrk (Debian's package), on the services the suite uses too.
bench: $(VENV)/.dev translations system-test-deps
	@command -v wrk >/dev/null || { $(SUDO) $(APT_GET) update -qq && $(SUDO) $(APT_GET) install -y -qq wrk; }
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) instance
